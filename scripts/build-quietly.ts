/**
 * Builds every package, saying so in one line; the build tools' own output appears only when the
 * build fails. Used by `npm run demo`, whose first screen should be the demo.
 */
import { spawn } from 'node:child_process';

const started = Date.now();
process.stdout.write('Building the packages (npm run build)... ');
const build = spawn('npm', ['run', 'build'], { stdio: ['ignore', 'pipe', 'pipe'] });
const output: Buffer[] = [];
build.stdout.on('data', (chunk: Buffer) => output.push(chunk));
build.stderr.on('data', (chunk: Buffer) => output.push(chunk));
build.on('close', (code) => {
  if (code === 0) {
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    return;
  }
  console.log('failed. What the build printed:\n');
  process.stdout.write(Buffer.concat(output));
  process.exitCode = code ?? 1;
});
