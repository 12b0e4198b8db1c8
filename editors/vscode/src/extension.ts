/**
 * The pyprotocol extension: starts the language server, keeps its settings in step
 * with VS Code's, and shows its state in the status bar.
 */

import { execFile } from 'node:child_process';
import * as os from 'node:os';

import * as vscode from 'vscode';
import {
    type ConfigurationParams,
    DidChangeConfigurationNotification,
    ExecuteCommandRequest,
    LanguageClient,
    type LanguageClientOptions,
    type ServerOptions,
    State,
} from 'vscode-languageclient/node';

import { DOCUMENT_SELECTOR } from './documents';
import { chooseInterpreter, type Interpreter, isInside, judgeProbe, type Launch, PROBE_CODE, serverLaunch, type Variables } from './launch';
import { mypyState, needsRestart, readSettings, SECTION, type ServerSettings, serverSettings } from './settings';

const CLIENT_ID = 'pyprotocol';
const CLIENT_NAME = 'pyprotocol';
const PROBE_TIMEOUT_MS = 20_000;
/** The server's own command (`workspace/executeCommand`). */
const SERVER_FIX_ALL = 'pyprotocol.fixAll';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    const status = new StatusItem();
    controller = new ServerController(context, output, status);
    const current = controller;
    context.subscriptions.push(
        output,
        status,
        vscode.commands.registerCommand('pyprotocol.restartServer', () => current.restart()),
        vscode.commands.registerCommand('pyprotocol.fixAllInFile', () => current.fixAll()),
        vscode.commands.registerCommand('pyprotocol.showOutput', () => output.show()),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (needsRestart((key) => event.affectsConfiguration(key))) {
                output.info('settings changed: restarting the server');
                void current.restart();
            } else if (event.affectsConfiguration(SECTION)) {
                output.info('settings changed: sending them to the server');
                current.settingsChanged();
            }
        }),
        vscode.workspace.onDidGrantWorkspaceTrust(() => current.settingsChanged(true)),
    );
    // Activation does not wait for the server: the status bar shows its progress.
    void current.start();
    void watchPythonExtension(context, current);
}

export async function deactivate(): Promise<void> {
    await controller?.stop();
    controller = undefined;
}

/** Restart when the interpreter selected in the Python extension changes. */
async function watchPythonExtension(context: vscode.ExtensionContext, current: ServerController): Promise<void> {
    const api = await pythonApi();
    const event = api?.environments?.onDidChangeActiveEnvironmentPath;
    if (typeof event === 'function') {
        context.subscriptions.push(
            event(() => {
                const { settings } = readSettings(getter());
                if (settings.interpreter === '' && settings.path.length === 0) {
                    void current.restart();
                }
            }),
        );
    }
}

/** Read `pyprotocol.*` for a scope (a folder or document), or the window. */
function getter(scope?: vscode.Uri): (key: string) => unknown {
    const configuration = vscode.workspace.getConfiguration(SECTION, scope);
    return (key) => configuration.get(key);
}

function folderPaths(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

function variables(): Variables {
    return { workspaceFolder: folderPaths()[0], userHome: os.homedir(), env: process.env };
}

class ServerController {
    private client: LanguageClient | undefined;
    private queue: Promise<void> = Promise.resolve();
    private readonly shown = new Set<string>();

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly output: vscode.LogOutputChannel,
        private readonly status: StatusItem,
    ) {}

    /** Serialise starts and stops: a restart never overlaps another. */
    private enqueue(task: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(task).catch((error: unknown) => {
            this.output.error(`unexpected failure: ${describe(error)}`);
        });
        return this.queue;
    }

    start(): Promise<void> {
        return this.enqueue(() => this.doStart());
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.doStop());
    }

    restart(): Promise<void> {
        return this.enqueue(async () => {
            this.output.info('restarting the server');
            await this.doStop();
            this.shown.clear();
            await this.doStart();
        });
    }

    /** The window-level settings the server gets, read now. */
    private serverSettings(scope?: vscode.Uri): ServerSettings {
        const { settings, problems } = readSettings(getter(scope));
        this.reportProblems(problems);
        return serverSettings(settings, vscode.workspace.isTrusted);
    }

    /** Settings changed (or trust was granted): tell the server, refresh the status bar. */
    settingsChanged(trustGranted = false): void {
        const client = this.client;
        if (trustGranted) {
            this.output.info('the workspace is now trusted: mypy may run');
        }
        this.status.setMypy(mypyState(readSettings(getter()).settings, vscode.workspace.isTrusted).reason);
        if (client?.isRunning() && trustGranted) {
            void this.pushSettings(client);
        }
        // Other changes reach the server through the didChangeConfiguration
        // registration it makes (see the middleware below).
    }

    private async pushSettings(client: LanguageClient): Promise<void> {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [SECTION]: this.serverSettings() },
        });
    }

    private reportProblems(problems: readonly string[]): void {
        for (const problem of problems) {
            if (!this.shown.has(problem)) {
                this.shown.add(problem);
                this.output.warn(`settings: ${problem}`);
                void vscode.window.showWarningMessage(`pyprotocol: ${problem}`);
            }
        }
    }

    private async doStart(): Promise<void> {
        const { settings, problems } = readSettings(getter());
        this.reportProblems(problems);
        const mypy = mypyState(settings, vscode.workspace.isTrusted);
        this.status.setMypy(mypy.reason);
        if (!settings.enable) {
            this.output.info('pyprotocol.enable is false: the server is not started');
            this.status.set('disabled', 'disabled by `pyprotocol.enable`');
            return;
        }
        this.status.set('starting', 'starting');
        const launch = await this.resolveLaunch(settings.path, settings.interpreter);
        if (launch === undefined) {
            return;
        }
        let pythonVersion = '';
        if (launch.interpreter !== undefined) {
            const verdict = await this.probe(launch.interpreter);
            if (!verdict.ok) {
                await this.fail(verdict.message);
                return;
            }
            pythonVersion = verdict.version;
            this.output.info(`Python ${verdict.version} at ${verdict.executable} (from ${launch.interpreter.source})`);
        }
        const client = this.createClient(launch);
        this.client = client;
        this.output.info(`starting: ${[launch.command, ...launch.args].join(' ')}`);
        try {
            await client.start();
        } catch (error) {
            this.client = undefined;
            await this.fail(`the server did not start (${[launch.command, ...launch.args].join(' ')}): ${describe(error)}`);
            return;
        }
        const info = client.initializeResult?.serverInfo;
        const server = info ? `${info.name} ${info.version ?? ''}`.trim() : 'pyprotocol';
        this.status.set('running', `${server} running`, [
            `Command: \`${[launch.command, ...launch.args].join(' ')}\``,
            pythonVersion ? `Python ${pythonVersion} (from ${launch.source})` : `From ${launch.source}`,
        ]);
    }

    private async doStop(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (client === undefined) {
            return;
        }
        try {
            if (client.needsStop()) {
                await client.stop(5_000);
            }
        } catch (error) {
            this.output.warn(`stopping the server: ${describe(error)}`);
        }
        try {
            await client.dispose();
        } catch {
            // Already stopped.
        }
        this.status.set('stopped', 'stopped');
    }

    private async fail(message: string): Promise<void> {
        this.output.error(message);
        this.status.set('failed', message);
        const choice = await vscode.window.showErrorMessage(`pyprotocol: ${message}`, 'Open Settings', 'Show Output');
        if (choice === 'Open Settings') {
            await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:pyprotocol.pyprotocol');
        } else if (choice === 'Show Output') {
            this.output.show();
        }
    }

    /** The command to run; undefined (after telling the user) when none may run. */
    private async resolveLaunch(pathSetting: string[], interpreterSetting: string): Promise<Launch | undefined> {
        const vars = variables();
        const interpreter: Interpreter =
            pathSetting.length > 0
                ? { argv: [], source: 'pyprotocol.path' }
                : chooseInterpreter({
                      setting: interpreterSetting,
                      selected: interpreterSetting === '' ? await selectedInterpreter() : undefined,
                      defaultInterpreterPath: vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath'),
                      platform: process.platform,
                      vars,
                  });
        if (!vscode.workspace.isTrusted && pathSetting.length === 0 && interpreter.source !== 'pyprotocol.interpreter') {
            // Workspace values of pyprotocol.path/interpreter are ignored when untrusted
            // (restrictedConfigurations); an interpreter inside the workspace is refused too.
            if (isInside(interpreter.argv[0], folderPaths())) {
                await this.fail(
                    `the workspace is not trusted, so pyprotocol does not run its interpreter \`${interpreter.argv[0]}\`. ` +
                        'Trust the workspace, or set `pyprotocol.interpreter` in your user settings.',
                );
                return undefined;
            }
        }
        return serverLaunch(pathSetting, interpreter, vars);
    }

    private probe(interpreter: Interpreter): Promise<ReturnType<typeof judgeProbe>> {
        const [command, ...prefix] = interpreter.argv;
        return new Promise((resolve) => {
            execFile(
                command,
                [...prefix, '-c', PROBE_CODE],
                { cwd: this.context.extensionPath, timeout: PROBE_TIMEOUT_MS, windowsHide: true },
                (error, stdout) => {
                    const failure = error ? { code: (error as NodeJS.ErrnoException).code, message: error.message } : undefined;
                    resolve(judgeProbe(interpreter, { stdout: String(stdout), error: failure }));
                },
            );
        });
    }

    private createClient(launch: Launch): LanguageClient {
        const serverOptions: ServerOptions = {
            command: launch.command,
            args: launch.args,
            // No `transport`: TransportKind.stdio would append `--stdio` to the command.
            options: { cwd: folderPaths()[0] ?? os.homedir(), env: { ...process.env } },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: [...DOCUMENT_SELECTOR],
            diagnosticCollectionName: CLIENT_ID,
            outputChannel: this.output,
            initializationOptions: () => this.serverSettings(),
            middleware: {
                workspace: {
                    // Answer `workspace/configuration` for our section in the server's terms.
                    configuration: async (params: ConfigurationParams, token, next) => {
                        const answer = await next(params, token);
                        if (!Array.isArray(answer)) {
                            return answer;
                        }
                        return params.items.map((item, index) =>
                            item.section === SECTION
                                ? this.serverSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined)
                                : (answer[index] as unknown),
                        );
                    },
                    // Push the translated settings instead of the raw `pyprotocol` section.
                    didChangeConfiguration: async () => {
                        const client = this.client;
                        if (client?.isRunning()) {
                            await this.pushSettings(client);
                        }
                    },
                },
            },
        };
        const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
        client.onDidChangeState((event) => {
            if (this.client !== client) {
                return;
            }
            if (event.newState === State.Stopped) {
                this.status.set('failed', 'the server stopped (see the output)');
            } else if (event.newState === State.Starting) {
                this.status.set('starting', 'starting');
            }
        });
        return client;
    }

    async fixAll(): Promise<void> {
        const editor = vscode.window.activeTextEditor;
        const client = this.client;
        if (editor === undefined || editor.document.languageId !== 'python') {
            void vscode.window.showInformationMessage('pyprotocol: open a Python file to fix.');
            return;
        }
        if (client === undefined || !client.isRunning()) {
            void vscode.window.showWarningMessage('pyprotocol: the server is not running.');
            return;
        }
        const result = (await client.sendRequest(ExecuteCommandRequest.type, {
            command: SERVER_FIX_ALL,
            arguments: [client.code2ProtocolConverter.asUri(editor.document.uri)],
        })) as { applied?: boolean; reason?: string } | null;
        if (result && result.applied === false) {
            void vscode.window.showInformationMessage(`pyprotocol: ${result.reason || 'no fix applied'}`);
        }
    }
}

type StatusState = 'starting' | 'running' | 'stopped' | 'disabled' | 'failed';

const ICONS: Record<StatusState, string> = {
    starting: '$(loading~spin)',
    running: '$(check)',
    stopped: '$(debug-stop)',
    disabled: '$(circle-slash)',
    failed: '$(error)',
};

/** The status bar item: state, command, Python and mypy; a click shows the output. */
class StatusItem implements vscode.Disposable {
    private readonly item = vscode.window.createStatusBarItem('pyprotocol.status', vscode.StatusBarAlignment.Right, 100);
    private state: StatusState = 'starting';
    private summary = '';
    private details: string[] = [];
    private mypy = '';

    constructor() {
        this.item.name = 'pyprotocol';
        this.item.command = 'pyprotocol.showOutput';
        this.render();
        this.item.show();
    }

    set(state: StatusState, summary: string, details: string[] = []): void {
        this.state = state;
        this.summary = summary;
        this.details = details;
        this.render();
    }

    setMypy(reason: string): void {
        this.mypy = reason;
        this.render();
    }

    private render(): void {
        this.item.text = `${ICONS[this.state]} pyprotocol`;
        this.item.backgroundColor =
            this.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.appendMarkdown(`**pyprotocol**: ${escapeMarkdown(this.summary)}\n\n`);
        for (const line of this.details) {
            tooltip.appendMarkdown(`${line}\n\n`);
        }
        if (this.mypy) {
            tooltip.appendMarkdown(`mypy: ${escapeMarkdown(this.mypy)}\n\n`);
        }
        tooltip.appendMarkdown('Click to show the output.');
        this.item.tooltip = tooltip;
        this.item.accessibilityInformation = { label: `pyprotocol: ${this.state}` };
    }

    dispose(): void {
        this.item.dispose();
    }
}

function escapeMarkdown(text: string): string {
    return text.replace(/[\\*_[\]<>]/g, (char) => `\\${char}`);
}

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

// -- the Python extension (optional) ---------------------------------------------------

interface PythonApi {
    environments?: {
        getActiveEnvironmentPath?: (resource?: vscode.Uri) => { path: string } | undefined;
        resolveEnvironment?: (env: { path: string }) => Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
        onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
    };
    settings?: {
        getExecutionDetails?: (resource?: vscode.Uri) => { execCommand?: string[] } | undefined;
    };
}

async function pythonApi(): Promise<PythonApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonApi>('ms-python.python');
    if (extension === undefined) {
        return undefined;
    }
    try {
        return extension.isActive ? extension.exports : await extension.activate();
    } catch {
        return undefined;
    }
}

/** The interpreter selected in the Python extension for the first folder, if any. */
async function selectedInterpreter(): Promise<string[] | undefined> {
    const api = await pythonApi();
    if (api === undefined) {
        return undefined;
    }
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    try {
        const environments = api.environments;
        const active = environments?.getActiveEnvironmentPath?.(resource);
        if (active && environments?.resolveEnvironment) {
            const resolved = await environments.resolveEnvironment(active);
            const executable = resolved?.executable?.uri?.fsPath;
            if (executable) {
                return [executable];
            }
        }
        const command = api.settings?.getExecutionDetails?.(resource)?.execCommand;
        if (Array.isArray(command) && command.length > 0) {
            return command;
        }
    } catch {
        // Fall back to the settings.
    }
    return undefined;
}
