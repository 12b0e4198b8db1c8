-- pyprotocol language server for Neovim >= 0.11.
--
-- Put this directory on 'runtimepath' (or copy this file to ~/.config/nvim/lsp/),
-- then enable it:
--
--   vim.lsp.enable('pyprotocol')
--
-- Settings go under `settings.pyprotocol` (also answered to workspace/configuration):
--   debounce = 150,          -- ms after a change before checking (0: none)
--   logLevel = 'info',       -- error | warning | info | debug (:LspLog)
--   override = { ignore = { 'PP105' } },  -- [tool.pyprotocol] keys over the project's
--
-- Neovim 0.11 pulls diagnostics (textDocument/diagnostic); the server then never
-- pushes, so each finding appears once.

---@type vim.lsp.Config
return {
  cmd = { 'pyprotocol', 'serve' },
  filetypes = { 'python', 'toml', 'yaml', 'dockerfile' },
  root_markers = { 'pyproject.toml', '.git' },
}
