/**
 * The extension's settings (section `pyprotocol`) and what the server receives.
 *
 * Pure: no `vscode` import, so the unit tests run under plain Node. The extension
 * hands in a getter over `workspace.getConfiguration('pyprotocol', scope)`.
 */

export const SECTION = 'pyprotocol';

export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

export const LOG_LEVELS = ['error', 'warning', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LINK_DOCUMENTS = ['cgp', 'pr'] as const;
export type LinkDocument = (typeof LINK_DOCUMENTS)[number];

export const DEFAULT_DEBOUNCE_MS = 150;
export const MAX_DEBOUNCE_MS = 10_000;

/** What a user writes under `pyprotocol.*`, validated. */
export interface ExtensionSettings {
    enable: boolean;
    /** Command that starts the server instead of the interpreter (argv). */
    path: string[];
    /** Python that runs `-m pyprotocol serve`; empty: the selected one. */
    interpreter: string;
    /** Rule code or code prefix → severity. */
    severity: Record<string, SeverityName>;
    /** Protocol document (`cgp`, `pr`) → base URL of its links. */
    linkBase: Partial<Record<LinkDocument, string>>;
    mypyEnabled: boolean;
    debounce: number;
    logLevel: LogLevel;
}

export const DEFAULTS: Readonly<ExtensionSettings> = Object.freeze({
    enable: true,
    path: [],
    interpreter: '',
    severity: {},
    linkBase: {},
    mypyEnabled: true,
    debounce: DEFAULT_DEBOUNCE_MS,
    logLevel: 'info',
});

/** Settings plus the problems found while reading them (shown once to the user). */
export interface ReadResult {
    settings: ExtensionSettings;
    problems: string[];
}

/** Reads one key below `pyprotocol.` (e.g. `mypy.enabled`); undefined when unset. */
export type Getter = (key: string) => unknown;

/**
 * The settings the server receives, as `initializationOptions`, in answers to
 * `workspace/configuration` (section `pyprotocol`) and in `didChangeConfiguration`.
 *
 * Every key is always present, so that a key the user removed resets the server's
 * value instead of leaving the previous one standing.
 */
export interface ServerSettings {
    debounce: number;
    logLevel: LogLevel;
    /** `[tool.pyprotocol]` keys applied over the project's own table. */
    override: {
        severity: Record<string, 'error' | 'warning' | 'info' | 'hint'>;
        'link-base': Partial<Record<LinkDocument, string>>;
    };
    mypy: {
        /** The user's setting and the workspace's trust, together. */
        enabled: boolean;
    };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readBoolean(get: Getter, key: string, fallback: boolean, problems: string[]): boolean {
    const value = get(key);
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value === 'boolean') {
        return value;
    }
    problems.push(`\`${SECTION}.${key}\` must be true or false; using ${fallback}`);
    return fallback;
}

function readString(get: Getter, key: string, problems: string[]): string {
    const value = get(key);
    if (value === undefined || value === null) {
        return '';
    }
    if (typeof value === 'string') {
        return value.trim();
    }
    problems.push(`\`${SECTION}.${key}\` must be a string; ignoring it`);
    return '';
}

function readPath(get: Getter, problems: string[]): string[] {
    const value = get('path');
    if (value === undefined || value === null) {
        return [];
    }
    // A lone string is a common mistake: accept it as a one-word command.
    if (typeof value === 'string') {
        return value.trim() === '' ? [] : [value.trim()];
    }
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
        const argv = value.map((item: string) => item);
        if (argv.length > 0 && argv[0].trim() === '') {
            problems.push(`\`${SECTION}.path\` starts with an empty string; ignoring it`);
            return [];
        }
        return argv;
    }
    problems.push(`\`${SECTION}.path\` must be a list of strings (a command line); ignoring it`);
    return [];
}

function readSeverity(get: Getter, problems: string[]): Record<string, SeverityName> {
    const value = get('severity');
    if (value === undefined || value === null) {
        return {};
    }
    if (!isRecord(value)) {
        problems.push(`\`${SECTION}.severity\` must map rule codes to a severity; ignoring it`);
        return {};
    }
    const result: Record<string, SeverityName> = {};
    for (const [selector, raw] of Object.entries(value)) {
        const name = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
        const severity = name === 'info' ? 'information' : name;
        if (typeof severity === 'string' && (SEVERITIES as readonly string[]).includes(severity)) {
            result[selector.trim()] = severity as SeverityName;
        } else {
            problems.push(
                `\`${SECTION}.severity.${selector}\` must be one of ${SEVERITIES.join(', ')}; got ${JSON.stringify(raw)}`,
            );
        }
    }
    return result;
}

function readLinkBase(get: Getter, problems: string[]): Partial<Record<LinkDocument, string>> {
    const value = get('linkBase');
    if (value === undefined || value === null) {
        return {};
    }
    if (!isRecord(value)) {
        problems.push(`\`${SECTION}.linkBase\` must map cgp/pr to a URL; ignoring it`);
        return {};
    }
    const result: Partial<Record<LinkDocument, string>> = {};
    for (const [document, raw] of Object.entries(value)) {
        if (!(LINK_DOCUMENTS as readonly string[]).includes(document)) {
            problems.push(`\`${SECTION}.linkBase\` keys must be among ${LINK_DOCUMENTS.join(', ')}; got \`${document}\``);
        } else if (typeof raw !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim())) {
            problems.push(`\`${SECTION}.linkBase.${document}\` must be a URL; got ${JSON.stringify(raw)}`);
        } else {
            result[document as LinkDocument] = raw.trim();
        }
    }
    return result;
}

function readDebounce(get: Getter, problems: string[]): number {
    const value = get('debounce');
    if (value === undefined || value === null) {
        return DEFAULT_DEBOUNCE_MS;
    }
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_DEBOUNCE_MS) {
        return Math.round(value);
    }
    problems.push(
        `\`${SECTION}.debounce\` must be milliseconds from 0 to ${MAX_DEBOUNCE_MS}; using ${DEFAULT_DEBOUNCE_MS}`,
    );
    return DEFAULT_DEBOUNCE_MS;
}

function readLogLevel(get: Getter, problems: string[]): LogLevel {
    const value = get('logLevel');
    if (value === undefined || value === null) {
        return 'info';
    }
    const name = typeof value === 'string' ? value.trim().toLowerCase() : value;
    if (typeof name === 'string' && (LOG_LEVELS as readonly string[]).includes(name)) {
        return name as LogLevel;
    }
    problems.push(`\`${SECTION}.logLevel\` must be one of ${LOG_LEVELS.join(', ')}; using info`);
    return 'info';
}

/**
 * Read and validate the settings through a getter.
 *
 * A bad value never stops the extension: it is reported and the default stands in
 * for that key alone.
 */
export function readSettings(get: Getter): ReadResult {
    const problems: string[] = [];
    const settings: ExtensionSettings = {
        enable: readBoolean(get, 'enable', DEFAULTS.enable, problems),
        path: readPath(get, problems),
        interpreter: readString(get, 'interpreter', problems),
        severity: readSeverity(get, problems),
        linkBase: readLinkBase(get, problems),
        mypyEnabled: readBoolean(get, 'mypy.enabled', DEFAULTS.mypyEnabled, problems),
        debounce: readDebounce(get, problems),
        logLevel: readLogLevel(get, problems),
    };
    return { settings, problems };
}

/** Whether mypy runs, and why not when it does not (for the status bar). */
export function mypyState(settings: ExtensionSettings, trusted: boolean): { enabled: boolean; reason: string } {
    if (!settings.mypyEnabled) {
        return { enabled: false, reason: 'off (pyprotocol.mypy.enabled)' };
    }
    if (!trusted) {
        return { enabled: false, reason: 'off (the workspace is not trusted)' };
    }
    return { enabled: true, reason: 'on' };
}

/** The server's view of the settings; mypy only runs in trusted workspaces. */
export function serverSettings(settings: ExtensionSettings, trusted: boolean): ServerSettings {
    const severity: ServerSettings['override']['severity'] = {};
    for (const [selector, name] of Object.entries(settings.severity)) {
        severity[selector] = name === 'information' ? 'info' : name;
    }
    return {
        debounce: settings.debounce,
        logLevel: settings.logLevel,
        override: { severity, 'link-base': { ...settings.linkBase } },
        mypy: { enabled: mypyState(settings, trusted).enabled },
    };
}

/** Settings that only take effect when the server process starts again. */
export const RESTART_KEYS = ['enable', 'path', 'interpreter'] as const;

/** Tell whether a configuration change needs a new server process. */
export function needsRestart(affects: (key: string) => boolean): boolean {
    return RESTART_KEYS.some((key) => affects(`${SECTION}.${key}`));
}
