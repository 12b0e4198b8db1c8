/**
 * The documents the server gets: Python, and the project files it checks
 * (pyproject.toml, YAML such as CI workflows and pre-commit configs, Dockerfiles).
 *
 * Pure data: no `vscode` import, so the unit tests can read it.
 */

export const DOCUMENT_LANGUAGES: readonly string[] = ['python', 'toml', 'yaml', 'dockerfile'];

export interface DocumentFilter {
    scheme: string;
    language?: string;
    pattern?: string;
}

export const DOCUMENT_SELECTOR: readonly DocumentFilter[] = [
    { scheme: 'file', language: 'python' },
    { scheme: 'untitled', language: 'python' },
    { scheme: 'file', language: 'toml' },
    // Without a TOML extension, VS Code opens pyproject.toml as plain text.
    { scheme: 'file', pattern: '**/pyproject.toml' },
    { scheme: 'file', language: 'yaml' },
    { scheme: 'file', language: 'dockerfile' },
];
