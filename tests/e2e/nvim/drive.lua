-- Drives a real Neovim session: wait for diagnostics, apply a quick fix, report JSON.
local out = assert(os.getenv('PYPROTOCOL_RESULT'), 'PYPROTOCOL_RESULT is not set')
local TIMEOUT = 60000
local result = { steps = {} }

local function finish()
  local file = assert(io.open(out, 'w'))
  file:write(vim.json.encode(result))
  file:close()
  vim.cmd('qa!')
end

local function step(name, ok)
  table.insert(result.steps, { name = name, ok = ok and true or false })
  if not ok then
    finish()
  end
  return ok
end

local bufnr = vim.api.nvim_get_current_buf()

local function pp105()
  return vim.tbl_filter(function(d)
    return d.code == 'PP105'
  end, vim.diagnostic.get(bufnr))
end

local function describe(diagnostics)
  local items = {}
  for _, d in ipairs(diagnostics) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(items, {
      code = d.code,
      source = d.source,
      lnum = d.lnum,
      col = d.col,
      end_col = d.end_col,
      namespace = d.namespace,
      href = (lsp.codeDescription or {}).href,
    })
  end
  return items
end

local ok, err = pcall(function()
  step('attached', vim.wait(TIMEOUT, function()
    return #vim.lsp.get_clients({ bufnr = bufnr, name = 'pyprotocol' }) > 0
  end, 50))
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'pyprotocol' })[1]
  result.offset_encoding = client.offset_encoding
  result.pull = client:supports_method('textDocument/diagnostic')

  step('diagnostics', vim.wait(TIMEOUT, function()
    return #pp105() >= 2
  end, 50))
  -- Give a duplicate (push next to pull) every chance to show up.
  vim.wait(1000)
  result.before = describe(pp105())
  result.all_before = describe(vim.diagnostic.get(bufnr))

  local first = result.before[1]
  vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return action.title:find('(PP105)', 1, true) ~= nil
    end,
  })
  step('fixed', vim.wait(TIMEOUT, function()
    local line = vim.api.nvim_buf_get_lines(bufnr, first.lnum, first.lnum + 1, false)[1]
    return line ~= nil and line:find('int | None', 1, true) ~= nil
  end, 50))
  result.lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)

  step('rechecked', vim.wait(TIMEOUT, function()
    return #pp105() == 1
  end, 50))
  vim.wait(1000)
  result.after = describe(pp105())
end)
if not ok then
  result.error = tostring(err)
end
finish()
