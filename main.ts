/**
 * `node dist/main.js`: the compiled service's entry point (npm start, npm run start:prod, the Docker image).
 * The build keeps the repository's folders under dist/ (dist/src, dist/migrations, dist/scripts, dist/bench),
 * so this one file at the top is all that `dist/main.js` needs to be.
 */
import './src/main.js';
