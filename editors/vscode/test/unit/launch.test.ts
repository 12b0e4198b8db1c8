import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { chooseInterpreter, expandVariables, isInside, judgeProbe, PROBE_CODE, SERVER_ARGS, serverLaunch } from '../../src/launch';

const vars = { workspaceFolder: '/ws/proj', userHome: '/home/ana', env: { VENV: '/opt/venv' } };

describe('expandVariables', () => {
    it('expands the folder, the home, environment variables and a leading ~', () => {
        assert.equal(expandVariables('${workspaceFolder}/.venv/bin/python', vars), '/ws/proj/.venv/bin/python');
        assert.equal(expandVariables('${userHome}/bin/pyprotocol', vars), '/home/ana/bin/pyprotocol');
        assert.equal(expandVariables('${env:VENV}/bin/python', vars), '/opt/venv/bin/python');
        assert.equal(expandVariables('${env:MISSING}x', vars), 'x');
        assert.equal(expandVariables('~/tools/pyprotocol', vars), path.join('/home/ana', 'tools/pyprotocol'));
        assert.equal(expandVariables('a~b', vars), 'a~b');
    });

    it('leaves ${workspaceFolder} alone without a folder', () => {
        assert.equal(expandVariables('${workspaceFolder}/x', { userHome: '/h' }), '${workspaceFolder}/x');
    });
});

describe('chooseInterpreter', () => {
    const base = { setting: '', platform: 'linux' as NodeJS.Platform, vars };

    it('prefers pyprotocol.interpreter', () => {
        const chosen = chooseInterpreter({ ...base, setting: '~/py/bin/python', selected: ['/sel/python'] });
        assert.deepEqual(chosen, { argv: [path.join('/home/ana', 'py/bin/python')], source: 'pyprotocol.interpreter' });
    });

    it('then the Python extension selection (a whole command)', () => {
        const chosen = chooseInterpreter({ ...base, selected: ['conda', 'run', '-n', 'x', 'python'] });
        assert.deepEqual(chosen, { argv: ['conda', 'run', '-n', 'x', 'python'], source: 'the Python extension' });
    });

    it('then a non-default python.defaultInterpreterPath', () => {
        const chosen = chooseInterpreter({ ...base, defaultInterpreterPath: '${workspaceFolder}/.venv/bin/python' });
        assert.deepEqual(chosen, { argv: ['/ws/proj/.venv/bin/python'], source: 'python.defaultInterpreterPath' });
    });

    it('else python3 on PATH (python on Windows)', () => {
        assert.deepEqual(chooseInterpreter({ ...base, defaultInterpreterPath: 'python' }).argv, ['python3']);
        assert.deepEqual(chooseInterpreter({ ...base, platform: 'win32' }).argv, ['python']);
    });
});

describe('serverLaunch', () => {
    const python = { argv: ['/venv/bin/python'], source: 'pyprotocol.interpreter' };

    it('runs the module without the workspace on sys.path', () => {
        const launch = serverLaunch([], python, vars);
        assert.equal(launch.command, '/venv/bin/python');
        assert.deepEqual(launch.args, ['-P', '-m', 'pyprotocol', 'serve']);
        assert.deepEqual(launch.interpreter, python);
        assert.deepEqual(SERVER_ARGS, ['-P', '-m', 'pyprotocol', 'serve']);
    });

    it('keeps an interpreter command prefix', () => {
        const launch = serverLaunch([], { argv: ['conda', 'run', 'python'], source: 'x' }, vars);
        assert.equal(launch.command, 'conda');
        assert.deepEqual(launch.args, ['run', 'python', '-P', '-m', 'pyprotocol', 'serve']);
    });

    it('runs pyprotocol.path as given, expanded, and not probed', () => {
        const launch = serverLaunch(['${workspaceFolder}/.venv/bin/pyprotocol', 'serve', '--tcp', 'x'], python, vars);
        assert.equal(launch.command, '/ws/proj/.venv/bin/pyprotocol');
        assert.deepEqual(launch.args, ['serve', '--tcp', 'x']);
        assert.equal(launch.interpreter, undefined);
        assert.equal(launch.source, 'pyprotocol.path');
    });

    it('appends serve to a lone pyprotocol executable only', () => {
        assert.deepEqual(serverLaunch(['/usr/bin/pyprotocol'], python, vars).args, ['serve']);
        assert.deepEqual(serverLaunch(['C:\\tools\\pyprotocol.exe'], python, vars).args, process.platform === 'win32' ? ['serve'] : []);
        assert.deepEqual(serverLaunch(['my-wrapper'], python, vars).args, []);
    });
});

describe('judgeProbe', () => {
    const python = { argv: ['/usr/bin/python3'], source: 'PATH' };
    const probe = (version: number[], installed: boolean) =>
        JSON.stringify({ version, executable: '/usr/bin/python3', pyprotocol: installed });

    it('accepts Python 3.12+ with pyprotocol', () => {
        assert.deepEqual(judgeProbe(python, { stdout: probe([3, 12, 1], true) }), {
            ok: true,
            version: '3.12.1',
            executable: '/usr/bin/python3',
        });
        assert.equal(judgeProbe(python, { stdout: `noise\n${probe([3, 14, 0], true)}\n` }).ok, true);
        assert.equal(judgeProbe(python, { stdout: probe([4, 0, 0], true) }).ok, true);
    });

    it('names the version when Python is too old', () => {
        const verdict = judgeProbe(python, { stdout: probe([3, 11, 7], true) });
        assert.equal(verdict.ok, false);
        assert.ok(!verdict.ok && verdict.problem === 'old-python');
        assert.match(!verdict.ok ? verdict.message : '', /needs Python 3\.12 or newer, but `\/usr\/bin\/python3` \(from PATH\) is Python 3\.11\.7/);
    });

    it('says how to install pyprotocol when it is missing', () => {
        const verdict = judgeProbe(python, { stdout: probe([3, 12, 1], false) });
        assert.ok(!verdict.ok && verdict.problem === 'not-installed');
        assert.match(!verdict.ok ? verdict.message : '', /\/usr\/bin\/python3 -m pip install pyprotocol/);
    });

    it('explains an interpreter that does not run', () => {
        const verdict = judgeProbe(python, { stdout: '', error: { code: 'ENOENT', message: 'spawn ENOENT' } });
        assert.ok(!verdict.ok && verdict.problem === 'no-python');
        assert.match(!verdict.ok ? verdict.message : '', /could not run the Python interpreter `\/usr\/bin\/python3` \(from PATH\): it was not found/);
    });

    it('parses what the probe code really prints', (t) => {
        let stdout: string;
        try {
            stdout = execFileSync('python3', ['-c', PROBE_CODE], { encoding: 'utf8' });
        } catch {
            t.skip('no python3 on PATH');
            return;
        }
        const parsed = JSON.parse(stdout) as { version: number[]; pyprotocol: boolean };
        assert.equal(parsed.version.length, 3);
        assert.equal(typeof parsed.pyprotocol, 'boolean');
        const verdict = judgeProbe(python, { stdout });
        assert.equal(verdict.ok || verdict.problem !== 'no-python', true);
    });
});

describe('isInside', () => {
    it('tells a workspace interpreter from an outside one', () => {
        assert.equal(isInside('/ws/proj/.venv/bin/python', ['/ws/proj']), true);
        assert.equal(isInside('/ws/project2/bin/python', ['/ws/proj']), false);
        assert.equal(isInside('/usr/bin/python3', ['/ws/proj']), false);
        assert.equal(isInside('python3', ['/ws/proj']), false);
        assert.equal(isInside('/ws/proj', ['/ws/proj']), false);
    });
});
