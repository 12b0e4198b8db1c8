import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { DOCUMENT_LANGUAGES } from '../../src/documents';
import { DEFAULTS, LOG_LEVELS, SECTION, SEVERITIES } from '../../src/settings';

interface Property {
    default?: unknown;
    enum?: string[];
    additionalProperties?: { enum?: string[] } | boolean;
}

// The bundle lives in out/test/, two levels below the package.
const manifest = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    main: string;
    activationEvents: string[];
    capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
    contributes: { commands: { command: string }[]; configuration: { properties: Record<string, Property> } };
};
const properties = manifest.contributes.configuration.properties;

describe('package.json', () => {
    it('declares every setting the extension reads, with the same defaults', () => {
        const expected: Record<string, unknown> = {
            enable: DEFAULTS.enable,
            path: DEFAULTS.path,
            interpreter: DEFAULTS.interpreter,
            severity: DEFAULTS.severity,
            linkBase: DEFAULTS.linkBase,
            'mypy.enabled': DEFAULTS.mypyEnabled,
            debounce: DEFAULTS.debounce,
            logLevel: DEFAULTS.logLevel,
            'trace.server': 'off',
        };
        assert.deepEqual(Object.keys(properties).sort(), Object.keys(expected).map((k) => `${SECTION}.${k}`).sort());
        for (const [key, value] of Object.entries(expected)) {
            assert.deepEqual(properties[`${SECTION}.${key}`].default, value, key);
        }
    });

    it('offers the values the settings module accepts', () => {
        assert.deepEqual(properties['pyprotocol.logLevel'].enum, [...LOG_LEVELS]);
        const severity = properties['pyprotocol.severity'].additionalProperties;
        assert.ok(typeof severity === 'object');
        assert.deepEqual(severity.enum, [...SEVERITIES]);
    });

    it('keeps code-running settings out of untrusted workspaces', () => {
        const trust = manifest.capabilities.untrustedWorkspaces;
        assert.equal(trust.supported, 'limited');
        assert.deepEqual(trust.restrictedConfigurations.sort(), [
            'pyprotocol.interpreter',
            'pyprotocol.mypy.enabled',
            'pyprotocol.path',
        ]);
    });

    it('contributes the restart, fix-all and output commands, apart from the server commands', () => {
        const commands = manifest.contributes.commands.map((c) => c.command).sort();
        assert.deepEqual(commands, ['pyprotocol.fixAllInFile', 'pyprotocol.restartServer', 'pyprotocol.showOutput']);
        // The language client registers the server's own commands under these names.
        for (const serverCommand of ['pyprotocol.fixAll', 'pyprotocol.showRule', 'pyprotocol.restart']) {
            assert.ok(!commands.includes(serverCommand), serverCommand);
        }
    });

    it('activates for the languages it sends to the server', () => {
        assert.equal(manifest.main, './dist/extension.js');
        for (const language of ['python', 'toml', 'dockerfile']) {
            assert.ok(manifest.activationEvents.includes(`onLanguage:${language}`), language);
            assert.ok(DOCUMENT_LANGUAGES.includes(language), language);
        }
        assert.ok(DOCUMENT_LANGUAGES.includes('yaml'));
    });
});
