export * from './classes.ts';
export * from './experiment.ts';
export * from './http.ts';
export * from './jobs.ts';
export * from './sweep.ts';
export * from './env.ts';
export * from './random.ts';
export * from './events.ts';
