/**
 * How every `payload-analytics <command>` reads its arguments: node:util's `parseArgs`
 * (strict, with `-h`/`--help`), its help on stdout (exit 0) and bad usage on stderr with a
 * pointer to the help (exit 2) — so each command states only its options and checks.
 */
import type { ParseArgsConfig } from 'node:util'

import { parseArgs } from 'node:util'

export const BIN = 'payload-analytics'

/** Bad usage of `command`: the message and where to look, on stderr; the exit code 2. */
export const usageOf =
  (command: string) =>
  (message: string): number => {
    console.error(`${BIN} ${command}: ${message}`)
    console.error(`Run '${BIN} ${command} --help' for usage.`)
    return 2
  }

type OptionsSpec = NonNullable<ParseArgsConfig['options']>
const HELP_OPTION = { help: { short: 'h', type: 'boolean' } } as const
type CommandConfig<O extends OptionsSpec> = { allowPositionals: true; args: string[]; options: O & typeof HELP_OPTION; strict: true }

/** A command's parsed arguments: its options' values (typed from their spec) and positionals. */
export type CommandArgs<O extends OptionsSpec> = Pick<ReturnType<typeof parseArgs<CommandConfig<O>>>, 'positionals' | 'values'>

export interface CommandSpec<O extends OptionsSpec> {
  /** Printed for `--help`. */
  help: string
  /** The command's options (`--help` is added). */
  options: O
  /** `false`: any positional argument is bad usage ("unexpected argument"). @default true */
  positionals?: boolean
  usage: (message: string) => number
}

/** The parsed arguments, or the exit code when the command is already done: help shown (0), bad usage (2). */
export function parseCommand<const O extends OptionsSpec>(args: string[], spec: CommandSpec<O>): CommandArgs<O> | number {
  let parsed: CommandArgs<O>
  try {
    const config: CommandConfig<O> = { allowPositionals: true, args, options: { ...spec.options, ...HELP_OPTION }, strict: true }
    parsed = parseArgs(config)
  } catch (error) {
    return spec.usage((error as Error).message)
  }
  // Generic here, so the values' type is opaque: `help` is there, added above.
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(spec.help)
    return 0
  }
  if (spec.positionals === false && parsed.positionals.length > 0) return spec.usage(`unexpected argument "${parsed.positionals[0]}"`)
  return parsed
}
