import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULTS, mypyState, needsRestart, readSettings, serverSettings } from '../../src/settings';

/** A getter over a flat object of dotted keys, like WorkspaceConfiguration.get. */
function from(values: Record<string, unknown>): (key: string) => unknown {
    return (key) => values[key];
}

describe('readSettings', () => {
    it('gives the defaults when nothing is set', () => {
        const { settings, problems } = readSettings(from({}));
        assert.deepEqual(settings, { ...DEFAULTS });
        assert.deepEqual(problems, []);
    });

    it('reads every setting', () => {
        const { settings, problems } = readSettings(
            from({
                enable: false,
                path: ['uv', 'run', 'pyprotocol', 'serve'],
                interpreter: ' /opt/py/bin/python3.12 ',
                severity: { PP1: 'warning', PP105: 'information', PP2: 'Hint' },
                linkBase: { pr: 'https://example.org/rules.md', cgp: 'https://example.org/cgp.md' },
                'mypy.enabled': false,
                debounce: 300,
                logLevel: 'DEBUG',
            }),
        );
        assert.deepEqual(problems, []);
        assert.deepEqual(settings, {
            enable: false,
            path: ['uv', 'run', 'pyprotocol', 'serve'],
            interpreter: '/opt/py/bin/python3.12',
            severity: { PP1: 'warning', PP105: 'information', PP2: 'hint' },
            linkBase: { pr: 'https://example.org/rules.md', cgp: 'https://example.org/cgp.md' },
            mypyEnabled: false,
            debounce: 300,
            logLevel: 'debug',
        });
    });

    it('reports each bad value and keeps the default for that key alone', () => {
        const { settings, problems } = readSettings(
            from({
                enable: 'yes',
                path: [1, 2],
                severity: { PP105: 'fatal', PP1: 'error' },
                linkBase: { rules: 'https://x', pr: 'not a url' },
                debounce: -5,
                logLevel: 'loud',
                'mypy.enabled': true,
            }),
        );
        assert.equal(settings.enable, true);
        assert.deepEqual(settings.path, []);
        assert.deepEqual(settings.severity, { PP1: 'error' });
        assert.deepEqual(settings.linkBase, {});
        assert.equal(settings.debounce, 150);
        assert.equal(settings.logLevel, 'info');
        assert.equal(problems.length, 7, problems.join('\n'));
        for (const key of ['enable', 'path', 'severity.PP105', 'linkBase', 'linkBase.pr', 'debounce', 'logLevel']) {
            assert.ok(
                problems.some((p) => p.includes(`pyprotocol.${key}`)),
                `no problem names pyprotocol.${key}: ${problems.join(' | ')}`,
            );
        }
    });

    it('takes a lone string as a one-word path', () => {
        assert.deepEqual(readSettings(from({ path: '/usr/local/bin/pyprotocol' })).settings.path, [
            '/usr/local/bin/pyprotocol',
        ]);
        assert.deepEqual(readSettings(from({ path: '  ' })).settings.path, []);
    });
});

describe('serverSettings', () => {
    const read = (values: Record<string, unknown>) => readSettings(from(values)).settings;

    it('sends every key, in the server terms', () => {
        const sent = serverSettings(
            read({ severity: { PP105: 'information' }, linkBase: { pr: 'https://example.org/pr.md' }, debounce: 0 }),
            true,
        );
        assert.deepEqual(sent, {
            debounce: 0,
            logLevel: 'info',
            override: { severity: { PP105: 'info' }, 'link-base': { pr: 'https://example.org/pr.md' } },
            mypy: { enabled: true },
        });
    });

    it('sends empty overrides so that a removed setting resets the server', () => {
        const sent = serverSettings(read({}), true);
        assert.deepEqual(sent.override, { severity: {}, 'link-base': {} });
    });

    it('never enables mypy in an untrusted workspace', () => {
        assert.equal(serverSettings(read({ 'mypy.enabled': true }), false).mypy.enabled, false);
        assert.equal(serverSettings(read({ 'mypy.enabled': false }), true).mypy.enabled, false);
        assert.equal(serverSettings(read({ 'mypy.enabled': true }), true).mypy.enabled, true);
    });

    it('leaves out the client-only settings', () => {
        const sent = serverSettings(read({ enable: true, path: ['x'], interpreter: 'y' }), true);
        assert.deepEqual(Object.keys(sent).sort(), ['debounce', 'logLevel', 'mypy', 'override']);
    });

    it('is plain JSON', () => {
        const sent = serverSettings(read({ severity: { PP1: 'hint' } }), true);
        assert.deepEqual(JSON.parse(JSON.stringify(sent)), sent);
    });
});

describe('mypyState', () => {
    it('says why mypy is off', () => {
        assert.match(mypyState({ ...DEFAULTS }, false).reason, /not trusted/);
        assert.match(mypyState({ ...DEFAULTS, mypyEnabled: false }, true).reason, /mypy\.enabled/);
        assert.deepEqual(mypyState({ ...DEFAULTS }, true), { enabled: true, reason: 'on' });
    });
});

describe('needsRestart', () => {
    it('restarts for the launch settings only', () => {
        for (const key of ['pyprotocol.enable', 'pyprotocol.path', 'pyprotocol.interpreter']) {
            assert.equal(
                needsRestart((k) => k === key),
                true,
                key,
            );
        }
        for (const key of ['pyprotocol.severity', 'pyprotocol.debounce', 'pyprotocol.mypy.enabled', 'editor.fontSize']) {
            assert.equal(
                needsRestart((k) => k === key),
                false,
                key,
            );
        }
    });
});
