export * from './quantity.ts';
export * from './names.ts';
export * from './model-spec.ts';
export * from './team-spec.ts';
