import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../../users/user.entity.js';

/**
 * One issued refresh token, stored only as a SHA-256 hash. Tokens rotated from one login share a
 * `familyId`, so presenting a used one can revoke the whole family.
 */
@Entity({ name: 'refresh_tokens' })
// retention's lookups (migration SecurityRound2)
@Index('idx_refresh_tokens_expires', ['expiresAt'])
@Index('idx_refresh_tokens_used', ['usedAt'], { where: 'used_at IS NOT NULL' })
@Index('idx_refresh_tokens_revoked', ['revokedAt'], { where: 'revoked_at IS NOT NULL' })
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Index()
  @Column({ name: 'family_id', type: 'uuid' })
  familyId!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true })
  tokenHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** Set when the token was exchanged for a new pair. */
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;
}
