// There is no Docker engine here, so docker-compose.yml and docker/ are checked by reading them:
// the stack's shape, and every file, build stage and npm script they point at.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

const dependencySchema = z.record(z.string(), z.object({ condition: z.string() }));
const serviceSchema = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), dockerfile: z.string(), target: z.string().optional() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: dependencySchema.optional(),
  profiles: z.array(z.string()).optional(),
  container_name: z.string().optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
  deploy: z
    .object({
      replicas: z.union([z.number(), z.string()]).optional(),
      resources: z
        .object({
          reservations: z.object({
            devices: z.array(z.object({ driver: z.string(), capabilities: z.array(z.string()) })),
          }),
        })
        .optional(),
    })
    .optional(),
});
type Service = z.infer<typeof serviceSchema>;

const compose = z
  .object({ services: z.record(z.string(), serviceSchema), volumes: z.record(z.string(), z.unknown()) })
  .parse(parse(read('docker-compose.yml'), { merge: true }));
const packageJson = z
  .object({
    scripts: z.record(z.string(), z.string()),
    allowScripts: z.record(z.string(), z.boolean()),
  })
  .parse(JSON.parse(read('package.json')));

function service(name: string): Service {
  const found = compose.services[name];
  assert.ok(found, `service ${name} is missing`);
  return found;
}

/** `${NAME:-default}` → default, as Compose substitutes it when NAME is unset. */
function withDefaults(value: string): string {
  return value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
}

const APP_SERVICES = ['api', 'worker', 'worker-gpu'];
const dockerfiles = [...new Set(Object.values(compose.services).flatMap((s) => (s.build ? [s.build.dockerfile] : [])))];

interface Stage {
  name: string | undefined;
  lines: string[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined). */
function stagesOf(dockerfile: string): Stage[] {
  const instructions = read(dockerfile)
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) stages.push({ name: from[1], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('docker-compose.yml', () => {
  test('has the stack: postgres, redis, a one-shot migrate, api, worker and a GPU worker', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'migrate', 'postgres', 'redis', 'worker', 'worker-gpu']);
  });

  test('postgres and redis have health checks and named volumes; redis keeps an append-only file', () => {
    for (const name of ['postgres', 'redis']) {
      assert.ok(service(name).healthcheck?.test.length, `${name} has no healthcheck`);
      const volume = service(name).volumes?.[0]?.split(':')[0];
      assert.ok(volume && volume in compose.volumes, `${name} has no named volume`);
    }
    assert.match(service('postgres').healthcheck!.test.join(' '), /pg_isready/);
    assert.deepEqual(service('redis').healthcheck!.test, ['CMD', 'redis-cli', 'ping']);
    const command = service('redis').command ?? [];
    assert.equal(command[command.indexOf('--appendonly') + 1], 'yes');
    assert.equal(command[command.indexOf('--maxmemory-policy') + 1], 'noeviction');
  });

  test('migrate runs the migrations once, after Postgres is healthy', () => {
    const migrate = service('migrate');
    assert.deepEqual(migrate.command, ['npm', 'run', 'db:migrate']);
    assert.equal(migrate.depends_on?.postgres?.condition, 'service_healthy');
    assert.match(migrate.environment?.DATABASE_URL ?? '', /@postgres:5432\//);
  });

  test('api and workers wait for healthy services and a completed migration, and share one configuration', () => {
    const databaseUrl = service('migrate').environment?.DATABASE_URL;
    for (const name of APP_SERVICES) {
      const app = service(name);
      assert.deepEqual(app.depends_on, {
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      assert.equal(app.environment?.DATABASE_URL, databaseUrl, `${name} uses another database`);
      assert.equal(app.environment?.REDIS_URL, 'redis://redis:6379');
    }
    assert.ok(new URL(withDefaults(databaseUrl ?? '')).pathname.length > 1, 'DATABASE_URL names a database');
  });

  test('the api listens on PORT, published to the host', () => {
    const api = service('api');
    const port = api.environment?.PORT;
    assert.ok(port, 'PORT is set');
    assert.ok(api.ports?.some((mapping) => withDefaults(mapping).endsWith(`:${port}`)));
    assert.match(api.healthcheck?.test.join(' ') ?? '', new RegExp(`127\\.0\\.0\\.1:${port}/healthz`));
  });

  test('workers scale (replicas, no fixed name or host port) and train on TensorFlow', () => {
    for (const name of ['worker', 'worker-gpu']) {
      const worker = service(name);
      assert.ok(worker.deploy?.replicas !== undefined, `${name} has no deploy.replicas`);
      assert.equal(worker.container_name, undefined);
      assert.equal(worker.ports, undefined);
      assert.equal(worker.environment?.TFJS_BACKEND, 'tensorflow');
    }
  });

  test('only the GPU worker is behind a profile, "gpu", and it reserves an NVIDIA GPU', () => {
    const profiled = Object.entries(compose.services).filter(([, s]) => s.profiles !== undefined);
    assert.deepEqual(profiled.map(([name, s]) => [name, s.profiles]), [['worker-gpu', ['gpu']]]);
    const devices = service('worker-gpu').deploy?.resources?.reservations.devices ?? [];
    assert.ok(devices.some((device) => device.driver === 'nvidia' && device.capabilities.includes('gpu')));
    assert.equal(service('worker-gpu').build?.dockerfile, 'docker/Dockerfile.gpu');
  });

  test('every npm script it runs exists in package.json', () => {
    const commands = Object.values(compose.services).flatMap((s) => (s.command ? [s.command] : []));
    const scripts = commands.filter((c) => c[0] === 'npm' && c[1] === 'run').map((c) => c[2] ?? '');
    assert.ok(scripts.length > 0);
    for (const script of scripts) assert.ok(script in packageJson.scripts, `npm script ${script} is missing`);
  });

  test('every build names an existing Dockerfile and one of its stages', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      if (!s.build) continue;
      assert.equal(s.build.context, '.', `${name} builds from the repository root`);
      assert.ok(existsSync(join(root, s.build.dockerfile)), `${s.build.dockerfile} is missing`);
      const stageNames = stagesOf(s.build.dockerfile).map((stage) => stage.name);
      assert.ok(stageNames.includes(s.build.target), `${s.build.dockerfile} has no stage ${s.build.target}`);
    }
  });
});

describe('docker/ Dockerfiles', () => {
  test('are the ones docker-compose.yml builds', () => {
    assert.deepEqual(dockerfiles.sort(), ['docker/Dockerfile', 'docker/Dockerfile.gpu']);
  });

  for (const dockerfile of ['docker/Dockerfile', 'docker/Dockerfile.gpu']) {
    describe(dockerfile, () => {
      const stages = stagesOf(dockerfile);
      const lines = stages.flatMap((stage) => stage.lines);

      test('installs exactly the lock file: npm ci, and no install that would change it', () => {
        assert.ok(lines.some((line) => /^RUN npm ci\b/.test(line)));
        const installs = lines.flatMap((line) => line.split('&&')).filter((part) => /\bnpm install\b/.test(part));
        for (const install of installs) assert.match(install, /--global npm@|--no-save/);
      });

      test('copies only files that exist', () => {
        for (const line of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='))) {
          const sources = line.split(/\s+/).slice(1, -1);
          for (const source of sources) assert.ok(existsSync(join(root, source)), `${line}: ${source} is missing`);
        }
      });

      test('runs what the matching `npm run start:*` script runs', () => {
        const commands = stages.flatMap((stage) => stage.lines.filter((l) => l.startsWith('CMD ')));
        assert.ok(commands.length > 0);
        const startScripts = Object.entries(packageJson.scripts).filter(([name]) => name.startsWith('start:'));
        for (const command of commands) {
          const argv = z.array(z.string()).parse(JSON.parse(command.slice('CMD '.length)));
          assert.ok(
            startScripts.some(([, script]) => script === argv.join(' ')),
            `${command} matches no start:* script in package.json`,
          );
        }
      });

      test('rebuilds only packages whose install scripts package.json#allowScripts allows', () => {
        const rebuilt = lines.flatMap((l) => [...l.matchAll(/npm rebuild (\S+)/g)].map((match) => match[1] ?? ''));
        assert.ok(rebuilt.length > 0);
        for (const name of rebuilt) assert.equal(packageJson.allowScripts[name], true, `${name} is not in allowScripts`);
      });
    });
  }

  test('.dockerignore keeps local installs, generated code and data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim());
    for (const entry of ['**/node_modules', 'packages/db/src/generated', '.data', '.cache', '.git']) {
      assert.ok(ignored.includes(entry), `${entry} is not in .dockerignore`);
    }
  });
});
