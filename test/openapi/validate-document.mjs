// Validates an OpenAPI file with @apidevtools/swagger-parser in a plain Node process: the parser is CommonJS
// requiring an ES module, which Node allows but Jest's ESM runtime does not. Prints {"ok":true} or the error.
import SwaggerParser from '@apidevtools/swagger-parser';

try {
  const api = await SwaggerParser.validate(process.argv[2]);
  console.log(JSON.stringify({ ok: true, title: api.info.title }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
}
