/**
 * How the server is started: a configured command, or `<python> -P -m pyprotocol serve`
 * with an interpreter that has been checked first.
 *
 * Pure: no `vscode` import, so the unit tests run under plain Node.
 */

import * as path from 'node:path';

export const MIN_PYTHON: readonly [number, number] = [3, 12];

/** `-P`: do not put the working directory (the workspace) on `sys.path`. */
export const SERVER_ARGS: readonly string[] = ['-P', '-m', 'pyprotocol', 'serve'];

/**
 * Run by the interpreter before the server starts (from the extension's own folder,
 * so that nothing in the workspace can shadow the modules it imports).
 */
export const PROBE_CODE = [
    'import importlib.util, json, sys',
    'print(json.dumps({"version": list(sys.version_info[:3]), "executable": sys.executable,',
    ' "pyprotocol": importlib.util.find_spec("pyprotocol") is not None}))',
].join('\n');

export interface Variables {
    workspaceFolder?: string;
    userHome: string;
    env?: Record<string, string | undefined>;
}

/** Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`. */
export function expandVariables(value: string, vars: Variables): string {
    let result = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name, envName) => {
        if (name === 'userHome') {
            return vars.userHome;
        }
        if (name === 'workspaceFolder') {
            return vars.workspaceFolder ?? whole;
        }
        return vars.env?.[envName as string] ?? '';
    });
    if (result === '~') {
        result = vars.userHome;
    } else if (result.startsWith('~/') || result.startsWith('~\\')) {
        result = path.join(vars.userHome, result.slice(2));
    }
    return result;
}

export interface InterpreterInputs {
    /** `pyprotocol.interpreter`. */
    setting: string;
    /** What the Python extension selected for the workspace (argv prefix), if any. */
    selected?: readonly string[];
    /** `python.defaultInterpreterPath`. */
    defaultInterpreterPath?: string;
    platform: NodeJS.Platform;
    vars: Variables;
}

export interface Interpreter {
    /** argv prefix that runs Python, e.g. `['/p/.venv/bin/python']`. */
    argv: string[];
    /** Where the choice came from, for messages. */
    source: string;
}

/** Pick the interpreter: the setting, the Python extension's, its default path, `python3`. */
export function chooseInterpreter(inputs: InterpreterInputs): Interpreter {
    if (inputs.setting.trim() !== '') {
        return { argv: [expandVariables(inputs.setting.trim(), inputs.vars)], source: 'pyprotocol.interpreter' };
    }
    const selected = (inputs.selected ?? []).filter((part) => part !== '');
    if (selected.length > 0) {
        return { argv: [...selected], source: 'the Python extension' };
    }
    const fallback = inputs.defaultInterpreterPath?.trim() ?? '';
    if (fallback !== '' && fallback !== 'python') {
        return { argv: [expandVariables(fallback, inputs.vars)], source: 'python.defaultInterpreterPath' };
    }
    return { argv: [inputs.platform === 'win32' ? 'python' : 'python3'], source: 'PATH' };
}

export interface Launch {
    command: string;
    args: string[];
    /** Where the command came from, for messages and the status bar. */
    source: string;
    /** The interpreter to check before starting (absent for `pyprotocol.path`). */
    interpreter?: Interpreter;
}

/** The server command: `pyprotocol.path` when set, else the interpreter with `-m pyprotocol serve`. */
export function serverLaunch(pathSetting: readonly string[], interpreter: Interpreter, vars: Variables): Launch {
    if (pathSetting.length > 0) {
        const argv = pathSetting.map((part) => expandVariables(part, vars));
        if (argv.length === 1 && /^pyprotocol(\.exe)?$/i.test(path.basename(argv[0]))) {
            argv.push('serve');
        }
        return { command: argv[0], args: argv.slice(1), source: 'pyprotocol.path' };
    }
    const [command, ...prefix] = interpreter.argv;
    return { command, args: [...prefix, ...SERVER_ARGS], source: interpreter.source, interpreter };
}

export type ProbeResult =
    | { ok: true; version: string; executable: string }
    | { ok: false; problem: 'no-python' | 'old-python' | 'not-installed'; message: string };

/** Turn the probe's output (or its failure) into a verdict with a message a user can act on. */
export function judgeProbe(
    interpreter: Interpreter,
    outcome: { stdout: string; error?: { code?: string | number; message: string } },
): ProbeResult {
    const shown = interpreter.argv.join(' ');
    const from = `(from ${interpreter.source})`;
    const howToPick =
        'Select another interpreter (Python: Select Interpreter) or set `pyprotocol.interpreter`, ' +
        'or point `pyprotocol.path` at a pyprotocol command.';
    let parsed: { version?: unknown; executable?: unknown; pyprotocol?: unknown } | undefined;
    const lastLine = outcome.stdout.trim().split(/\r?\n/).pop() ?? '';
    try {
        parsed = JSON.parse(lastLine) as typeof parsed;
    } catch {
        parsed = undefined;
    }
    if (parsed === undefined || !Array.isArray(parsed.version)) {
        const why = outcome.error
            ? outcome.error.code === 'ENOENT'
                ? 'it was not found'
                : outcome.error.message.split('\n')[0]
            : 'it printed no version';
        return {
            ok: false,
            problem: 'no-python',
            message: `pyprotocol could not run the Python interpreter \`${shown}\` ${from}: ${why}. ${howToPick}`,
        };
    }
    const version = (parsed.version as unknown[]).map((part) => Number(part));
    const text = version.join('.');
    const executable = typeof parsed.executable === 'string' ? parsed.executable : shown;
    if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
        return {
            ok: false,
            problem: 'old-python',
            message:
                `pyprotocol needs Python ${MIN_PYTHON.join('.')} or newer, but \`${executable}\` ${from} ` +
                `is Python ${text}. ${howToPick}`,
        };
    }
    if (parsed.pyprotocol !== true) {
        return {
            ok: false,
            problem: 'not-installed',
            message:
                `pyprotocol is not installed for \`${executable}\` (Python ${text}, ${from.slice(1, -1)}). ` +
                `Install it there (\`${executable} -m pip install pyprotocol\`), or set \`pyprotocol.path\`.`,
        };
    }
    return { ok: true, version: text, executable };
}

/** Tell whether a file lies inside one of the folders (for untrusted workspaces). */
export function isInside(file: string, folders: readonly string[]): boolean {
    if (!path.isAbsolute(file)) {
        return false;
    }
    return folders.some((folder) => {
        const relative = path.relative(folder, file);
        return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
    });
}
