/** The statements of service API keys (api-keys.service.ts is their only caller). */

export const INSERT_KEY = `
  INSERT INTO api_keys (name, prefix, key_hash, scopes, created_by) VALUES ($1, $2, $3, $4::text[], $5)
  RETURNING id, name, prefix, scopes, created_at, last_used_at, revoked_at`;

export const LIST_KEYS = `SELECT id, name, prefix, scopes, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at DESC, id LIMIT 500`;

export const REVOKE_KEY = `
  UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
  RETURNING id, name, prefix, scopes, created_at, last_used_at, revoked_at`;

/**
 * The live key with this hash; `last_used_at` is written at most once a minute per key, so a busy key does not
 * turn every request into a row update.
 */
export const AUTHENTICATE_KEY = `
  WITH k AS (SELECT id, name, scopes, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL),
  touched AS (UPDATE api_keys a SET last_used_at = now() FROM k WHERE a.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '60 seconds'))
  SELECT id, name, scopes FROM k`;
