// brackets-manager.js with its in-memory storage (brackets-memory-db), timed on the cases
// zhijia's draw engine is compared against. Run by benchmarks/draws.py; on its own:
//
//     node bench.mjs [repeats [min_seconds]]     # default: at least 11 runs and 0.5 s per case
//
// Each run starts from a fresh InMemoryDatabase and BracketsManager (outside the timing); one
// untimed warm-up run per case comes first. Prints one JSON object: {"runner", "versions",
// "samples": {case: runs}, "median_ms": {case: ms}, "check": {case: counts}}, where "check"
// counts what the warm-up run built, so a reader can see each case did the work it claims.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { BracketsManager } from 'brackets-manager';
import { InMemoryDatabase } from 'brackets-memory-db';

const require = createRequire(import.meta.url);
const repeats = Math.max(1, Number(process.argv[2] ?? 11));
const minSeconds = Math.max(0, Number(process.argv[3] ?? 0.5));

const teams = n => Array.from({ length: n }, (_, i) => `Team ${i + 1}`); // seeding 1..n

function fresh() {
    const storage = new InMemoryDatabase();
    return { storage, manager: new BracketsManager(storage) };
}

async function createStage(manager, n, type, settings = {}) {
    return manager.create.stage({ tournamentId: 0, name: 'bench', type, seeding: teams(n), settings });
}

// Every match of a single elimination, round by round, opponent1 winning, until the final.
async function playKnockout(manager, storage, stage) {
    const rounds = (await storage.select('round', { stage_id: stage.id })).sort((a, b) => a.number - b.number);
    let played = 0;
    for (const round of rounds) {
        const matches = (await storage.select('match', { round_id: round.id })).sort((a, b) => a.number - b.number);
        for (const match of matches) {
            await manager.update.match({
                id: match.id,
                opponent1: { score: 3, result: 'win' },
                opponent2: { score: 1 },
            });
            played += 1;
        }
    }
    return played;
}

const cases = {
    knockout_create_1024: async ({ manager }) => createStage(manager, 1024, 'single_elimination'),
    double_elimination_create_256: async ({ manager }) =>
        createStage(manager, 256, 'double_elimination', { grandFinal: 'simple' }),
    round_robin_64_in_8_groups: async ({ manager }) =>
        createStage(manager, 64, 'round_robin', { groupCount: 8 }),
    round_robin_128_in_1_group: async ({ manager }) =>
        createStage(manager, 128, 'round_robin', { groupCount: 1 }),
    knockout_play_1024: async ({ manager, storage }) => {
        const stage = await createStage(manager, 1024, 'single_elimination');
        return playKnockout(manager, storage, stage);
    },
};

function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    const mid = s.length >> 1;
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// One untimed warm-up run of each case (for the JIT); its storage is then counted for "check".
async function describe(name, env, result) {
    const count = async table => (await env.storage.select(table)).length;
    if (name === 'knockout_play_1024') {
        const matches = await env.storage.select('match');
        const final = matches.reduce((a, b) => (a.round_id > b.round_id ? a : b));
        return {
            played: result,
            completed: matches.filter(m => m.status >= 4).length, // Status.Completed = 4
            champion: (await env.storage.select('participant', final.opponent1.id)).name,
        };
    }
    return { groups: await count('group'), rounds: await count('round'), matches: await count('match') };
}

const medianMs = {};
const samplesTaken = {};
const check = {};
for (const [name, work] of Object.entries(cases)) {
    const warm = fresh();
    check[name] = await describe(name, warm, await work(warm));
    const samples = [];
    const started = performance.now();
    while (samples.length < repeats || (performance.now() - started < minSeconds * 1000 && samples.length < 1000)) {
        const env = fresh();
        const t0 = performance.now();
        await work(env);
        samples.push(performance.now() - t0);
    }
    medianMs[name] = Math.round(median(samples) * 10000) / 10000;
    samplesTaken[name] = samples.length;
}

const versions = {
    'brackets-manager': require('brackets-manager/package.json').version,
    'brackets-memory-db': require('brackets-memory-db/package.json').version,
};
console.log(JSON.stringify({ runner: `node ${process.version}`, versions, samples: samplesTaken, median_ms: medianMs, check }));
