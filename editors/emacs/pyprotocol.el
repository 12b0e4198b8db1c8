;;; pyprotocol.el --- The pyprotocol language server for Eglot and lsp-mode  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: languages, tools, python
;; URL: https://github.com/pyprotocol/pyprotocol
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; pyprotocol holds Python code to a written engineering protocol.  Its
;; language server (`pyprotocol serve') shows findings as diagnostics that
;; link to the protocol section they enforce, and offers quick fixes,
;; fix-all and "suppress on this line" as code actions.
;;
;; Eglot (built into Emacs 29; the `elpa-eglot' package or GNU ELPA for 28):
;;
;;   (require 'pyprotocol)
;;   (pyprotocol-eglot-setup)
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; Eglot runs one server per buffer, so pyprotocol then takes the place of
;; the Python server Eglot would have started.
;;
;; lsp-mode runs pyprotocol as an add-on, beside the Python server it
;; already uses (pyright, pylsp, ruff...):
;;
;;   (require 'pyprotocol)
;;   (pyprotocol-lsp-setup)
;;   (add-hook 'python-mode-hook #'lsp-deferred)
;;
;; Settings: `pyprotocol-command', `pyprotocol-debounce',
;; `pyprotocol-log-level' and `pyprotocol-override'.  Project policy stays
;; in [tool.pyprotocol] of pyproject.toml.

;;; Code:

(require 'cl-lib)

(defgroup pyprotocol nil
  "The pyprotocol language server."
  :group 'tools
  :prefix "pyprotocol-")

(defcustom pyprotocol-command '("pyprotocol" "serve")
  "Command that starts the language server over stdio.
For one project's environment use, for instance,
\\='(\".venv/bin/python\" \"-P\" \"-m\" \"pyprotocol\" \"serve\")."
  :type '(repeat string))

(defcustom pyprotocol-debounce 150
  "Milliseconds after an edit before the server checks the file again."
  :type 'natnum
  :safe #'natnump)

(defcustom pyprotocol-log-level "info"
  "How much the server logs: error, warning, info or debug."
  :type '(choice (const "error") (const "warning") (const "info") (const "debug"))
  :safe #'stringp)

(defcustom pyprotocol-override nil
  "A plist of [tool.pyprotocol] keys applied over the project's table.
For instance \\='(:severity (:PP105 \"hint\") :ignore [\"PP9\"])."
  :type 'plist
  :safe #'listp)

(defconst pyprotocol-python-modes '(python-mode python-ts-mode)
  "Major modes of Python buffers.")

(defconst pyprotocol-project-file-modes
  '((conf-toml-mode . "toml") (toml-ts-mode . "toml")
    (yaml-mode . "yaml") (yaml-ts-mode . "yaml")
    (dockerfile-mode . "dockerfile") (dockerfile-ts-mode . "dockerfile"))
  "Major modes of the project files the server checks, with their language ids.")

(defun pyprotocol-settings ()
  "The settings the server gets, as a plist (JSON object).
Sent as initializationOptions; the same keys answer the `pyprotocol'
section of workspace/configuration."
  (append (list :debounce pyprotocol-debounce :logLevel pyprotocol-log-level)
          (and pyprotocol-override (list :override pyprotocol-override))))

;;;; Eglot

(defvar eglot-server-programs)

;;;###autoload
(defun pyprotocol-eglot-setup (&optional project-files)
  "Make Eglot run pyprotocol for Python buffers.
With PROJECT-FILES non-nil, also for TOML, YAML and Dockerfile buffers
\(there too, in place of any other server Eglot would start)."
  (with-eval-after-load 'eglot
    (let ((contact (append pyprotocol-command
                           (list :initializationOptions
                                 (lambda (_server) (pyprotocol-settings)))))
          (modes (append (mapcar (lambda (mode) (list mode :language-id "python"))
                                 pyprotocol-python-modes)
                         (and project-files
                              (mapcar (lambda (entry)
                                        (list (car entry) :language-id (cdr entry)))
                                      pyprotocol-project-file-modes)))))
      (setq eglot-server-programs
            (cons (cons modes contact)
                  (cl-remove-if (lambda (entry) (pyprotocol--eglot-entry-p entry))
                                eglot-server-programs))))))

(defun pyprotocol--eglot-entry-p (entry)
  "Non-nil if ENTRY of `eglot-server-programs' is one this file added."
  (let ((contact (cdr-safe entry)))
    (and (consp contact)
         (equal (cl-subseq contact 0 (min (length contact) (length pyprotocol-command)))
                pyprotocol-command)
         (plist-member (nthcdr (length pyprotocol-command) contact)
                       :initializationOptions))))

;;;; lsp-mode

(declare-function lsp--client-server-id "lsp-mode")
(declare-function lsp--execute-code-action "lsp-mode")
(declare-function lsp--workspace-client "lsp-mode")
(declare-function lsp-request "lsp-mode")
(declare-function lsp-workspaces "lsp-mode")
(declare-function lsp-register-client "lsp-mode")
(declare-function lsp-register-custom-settings "lsp-mode")
(declare-function lsp-stdio-connection "lsp-mode")
(declare-function make-lsp-client "lsp-mode")
(defvar lsp-language-id-configuration)
(defvar lsp--cur-workspace)

(defun pyprotocol--lsp-activate-p (file-name mode)
  "Whether lsp-mode should start pyprotocol for FILE-NAME in MODE."
  (or (memq mode pyprotocol-python-modes)
      (and (assq mode pyprotocol-project-file-modes) t)
      (and file-name (string-match-p "\\(?:\\`\\|/\\)pyproject\\.toml\\'" file-name))))

(defun pyprotocol--lsp-plist-get (object key)
  "Return KEY of OBJECT, a JSON object read by lsp-mode (hash table or plist)."
  (if (hash-table-p object)
      (gethash (substring (symbol-name key) 1) object)
    (plist-get object key)))

(defun pyprotocol--lsp-execute-code-action (execute action)
  "Resolve an unresolved ACTION with pyprotocol first, then EXECUTE it.
lsp-mode (8.0 at least) sends codeAction/resolve to every server of the
buffer that resolves actions and cannot use the merged answers, so the
quick fixes of an add-on server fail beside ruff or pyright.  A lazy
action is offered to pyprotocol alone; if it comes back with an edit,
that edit is applied, else lsp-mode goes on as usual."
  (let ((workspace
         (and (not (pyprotocol--lsp-plist-get action :edit))
              (not (pyprotocol--lsp-plist-get action :command))
              (cl-find-if (lambda (workspace)
                            (eq (lsp--client-server-id (lsp--workspace-client workspace))
                                'pyprotocol))
                          (lsp-workspaces)))))
    (let ((resolved (and workspace
                         (let ((lsp--cur-workspace workspace))
                           (lsp-request "codeAction/resolve" action)))))
      (if (and resolved (pyprotocol--lsp-plist-get resolved :edit))
          (lsp--execute-code-action resolved)
        (funcall execute action)))))

;;;###autoload
(defun pyprotocol-lsp-setup ()
  "Register pyprotocol with lsp-mode, as an add-on server.
lsp-mode starts it beside the main server of Python buffers, and for
pyproject.toml, YAML and Dockerfile buffers."
  (with-eval-after-load 'lsp-mode
    (dolist (entry pyprotocol-project-file-modes)
      (unless (assq (car entry) lsp-language-id-configuration)
        (add-to-list 'lsp-language-id-configuration entry t)))
    (lsp-register-custom-settings
     '(("pyprotocol.debounce" pyprotocol-debounce)
       ("pyprotocol.logLevel" pyprotocol-log-level)))
    (lsp-register-client
     (make-lsp-client
      :new-connection (lsp-stdio-connection (lambda () pyprotocol-command))
      :activation-fn #'pyprotocol--lsp-activate-p
      :server-id 'pyprotocol
      :add-on? t
      :priority -1
      :initialization-options #'pyprotocol-settings))
    (advice-add 'lsp-execute-code-action :around #'pyprotocol--lsp-execute-code-action)))

(provide 'pyprotocol)
;;; pyprotocol.el ends here
