/**
 * No Docker engine runs here, so the image is checked as text: every stage the Dockerfile copies
 * from exists, every file it copies from the build context exists and is not excluded by
 * .dockerignore, the runtime stage serves the dashboard, runs as a non-root user and has a
 * HEALTHCHECK; docker-compose.yml parses and each service built from this image can be reached.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = new URL('../..', import.meta.url).pathname;

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}
interface Stage {
  readonly name: string | undefined;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

/** Dockerfile instructions, with `\` continuations joined and comments dropped. */
function instructionsOf(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const stages: { name: string | undefined; base: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [base, as, name] = instruction.args.split(/\s+/);
      stages.push({
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        base: base ?? '',
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** .dockerignore as a predicate: later lines win, `!` re-includes (enough for this file's patterns). */
function ignoredByDockerignore(path: string): boolean {
  const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let ignored = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    if (path === pattern || path.startsWith(`${pattern}/`)) ignored = !negated;
  }
  return ignored;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = stagesOf(instructionsOf(dockerfile));
const runtime = stages.at(-1)!;

describe('the Dockerfile', () => {
  it('is a multi-stage build on a supported Node line', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.base).toMatch(/^node:(2[2-9]|[3-9]\d)-/);
  });

  it('copies only files that exist in the build context and are not excluded by .dockerignore', () => {
    const copies = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
        expect(ignoredByDockerignore(source), `COPY ${source} is excluded by .dockerignore`).toBe(
          false,
        );
      }
    }
  });

  it('copies from earlier stages only', () => {
    const names: string[] = [];
    for (const stage of stages) {
      for (const instruction of stage.instructions) {
        const from = /^--from=(\S+)/.exec(instruction.args)?.[1];
        if (instruction.keyword === 'COPY' && from !== undefined)
          expect(names, `COPY --from=${from}`).toContain(from);
      }
      if (stage.name !== undefined) names.push(stage.name);
    }
  });

  it('builds the dashboard and serves it from the runtime stage', () => {
    const build = stages[0]!;
    expect(build.instructions.some((i) => i.keyword === 'COPY' && /^web\s/.test(i.args))).toBe(
      true,
    );
    expect(
      build.instructions.some(
        (i) =>
          i.keyword === 'RUN' &&
          i.args.includes('npm ci') &&
          i.args.includes('web/dist/index.html'),
      ),
    ).toBe(true);
    // the server serves web/dist next to src/ (src/http/plugins/dashboard.ts)
    expect(
      runtime.instructions.some(
        (i) =>
          i.keyword === 'COPY' && i.args.includes('/app/web/dist') && i.args.endsWith('./web/dist'),
      ),
    ).toBe(true);
  });

  it('runs as a non-root user with a HEALTHCHECK on /health', () => {
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(['root', '0']).not.toContain(user!.args.split(':')[0]);
    const health = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toContain('/health');
    expect(runtime.instructions.some((i) => i.keyword === 'CMD')).toBe(true);
  });
});

/** The arguments of an exec-form instruction (`CMD ["node", "x.js"]`). */
function execForm(instruction: Instruction | undefined): string[] {
  expect(instruction?.args, 'an exec-form instruction').toMatch(/^\[/);
  return JSON.parse(instruction!.args) as string[];
}

/** Paths (from WORKDIR /app) that a stage puts there: what it copies in, what its RUNs check they made, and node_modules from npm ci. */
function producedBy(stage: Stage): string[] {
  const produced: string[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'COPY') {
      const target = instruction.args.split(/\s+/).at(-1)!;
      const sources = instruction.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      if (target.endsWith('/') && target === './')
        produced.push(...sources.slice(0, -1).map((p) => p.replace(/^\.\//, '')));
      else produced.push(target.replace(/^\.\//, '').replace(/\/$/, ''));
    }
    if (instruction.keyword === 'RUN') {
      for (const match of instruction.args.matchAll(/test -f (\S+)/g)) produced.push(match[1]!);
      if (/\bnpm ci\b/.test(instruction.args)) produced.push('node_modules');
    }
  }
  return produced;
}

describe('the compiled build in the image', () => {
  const build = stages.find((s) => s.name === 'build')!;
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const buildConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
    compilerOptions: { outDir: string; rootDir: string };
    include: string[];
  };

  it('runs the compiled server with plain node: the CMD file is one the build emits', () => {
    const cmd = execForm(runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1));
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).not.toMatch(/--import|--loader|--require|tsx|strip-types|\.ts\b/);
    const script = cmd.at(-1)!;
    const { outDir, rootDir } = buildConfig.compilerOptions;
    expect(script.startsWith(`${outDir}/`), script).toBe(true);
    const source = join(rootDir, script.slice(outDir.length + 1).replace(/\.js$/, '.ts'));
    expect(existsSync(join(ROOT, source)), source).toBe(true);
    expect(buildConfig.include.some((folder) => source.startsWith(`${folder}/`))).toBe(true);
    // npm ci in the build stage runs the prepare script, which compiles; the runtime takes dist/.
    expect(pkg.scripts.prepare).toContain('bin/compiled.js build');
    for (const folder of buildConfig.include)
      expect(producedBy(build), `the build stage copies ${folder}/`).toContain(folder);
    expect(producedBy(build)).toContain(`${outDir}/src/app/main.js`);
    // dist/ is ES modules because package.json says "type": "module": it must be beside it.
    expect(producedBy(runtime)).toContain('package.json');
    expect(
      runtime.instructions.some(
        (i) => i.keyword === 'COPY' && i.args === `--from=build /app/${outDir} ./${outDir}`,
      ),
    ).toBe(true);
  });

  it('copies from the build stage only what the build stage produced', () => {
    const produced = producedBy(build);
    const fromBuild = runtime.instructions.filter(
      (i) => i.keyword === 'COPY' && i.args.startsWith('--from=build '),
    );
    expect(fromBuild.length).toBeGreaterThanOrEqual(3);
    for (const copy of fromBuild) {
      const source = copy.args.split(/\s+/)[1]!.replace(/^\/app\//, '');
      expect(
        produced.some((path) => path === source || path.startsWith(`${source}/`)),
        `COPY ${copy.args}`,
      ).toBe(true);
    }
  });

  it('has no TypeScript tooling at run time: tsx and typescript are dev dependencies, pruned in the build stage', () => {
    for (const tool of ['tsx', 'typescript']) {
      expect(pkg.dependencies[tool], tool).toBeUndefined();
      expect(pkg.devDependencies[tool], tool).toBeDefined();
    }
    expect(
      build.instructions.some(
        (i) => i.keyword === 'RUN' && i.args.includes('npm prune --omit=dev'),
      ),
    ).toBe(true);
    expect(
      runtime.instructions.some(
        (i) =>
          i.keyword === 'COPY' && !i.args.startsWith('--from=') && /\b(src|events)\b/.test(i.args),
      ),
      'the runtime copies no TypeScript sources',
    ).toBe(false);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<
      string,
      { build?: unknown; image?: string; ports?: string[]; environment?: Record<string, string> }
    >;
  };

  it('parses, and every service has an image or is built from this Dockerfile', () => {
    expect(Object.keys(compose.services).length).toBeGreaterThan(0);
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.image !== undefined || service.build === '.', name).toBe(true);
    }
  });

  it('says, beside each API service, the address it is reached at', () => {
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const [name, service] of Object.entries(compose.services).filter(
      ([, s]) => s.build === '.',
    )) {
      const hostPort = /^127\.0\.0\.1:(\d+):/.exec(service.ports?.[0] ?? '')?.[1];
      expect(hostPort, name).toBeDefined();
      expect(text, name).toMatch(
        new RegExp(`#[^\\n]*http://localhost:${hostPort}/[^\\n]*\\n  ${name}:`),
      );
    }
  });

  it('publishes each API service on a loopback port that maps to the port it listens on', () => {
    const apis = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(apis.length).toBeGreaterThan(0);
    for (const [name, service] of apis) {
      const listens = service.environment?.PORT ?? '3000';
      expect(
        service.ports?.some((p) => new RegExp(`^127\\.0\\.0\\.1:\\d+:${listens}$`).test(p)),
        name,
      ).toBe(true);
    }
  });
});
