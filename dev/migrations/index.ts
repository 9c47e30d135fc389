import * as migration_20261121_224806_initial from './20261121_224806_initial.js';

export const migrations = [
  {
    up: migration_20261121_224806_initial.up,
    down: migration_20261121_224806_initial.down,
    name: '20261121_224806_initial'
  },
];
