-- Test init: the shipped editors/nvim/lsp/pyprotocol.lua and nothing else, with the
-- command pointed at the interpreter under test.
local repo = assert(os.getenv('PYPROTOCOL_REPO'), 'PYPROTOCOL_REPO is not set')
local python = assert(os.getenv('PYPROTOCOL_PYTHON'), 'PYPROTOCOL_PYTHON is not set')

vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
vim.opt.swapfile = false
vim.lsp.config('pyprotocol', { cmd = { python, '-m', 'pyprotocol.server' } })
vim.lsp.enable('pyprotocol')
