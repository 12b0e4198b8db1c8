;;; lsp-drive.el --- lsp-mode runs pyprotocol as an add-on beside a main server  -*- lexical-binding: t; -*-

;; PYPROTOCOL_MAIN (JSON list) is the main Python server to run beside pyprotocol.

(load (expand-file-name "common.el" (file-name-directory load-file-name)) nil t)

(setq lsp-session-file (expand-file-name "lsp-session" (getenv "HOME"))
      lsp-auto-guess-root nil
      lsp-enable-file-watchers nil
      lsp-keep-workspace-alive nil
      lsp-diagnostics-provider :none
      lsp-completion-provider :none
      lsp-enable-snippet nil
      lsp-headerline-breadcrumb-enable nil
      lsp-modeline-code-actions-enable nil
      lsp-modeline-diagnostics-enable nil
      lsp-modeline-workspace-status-enable nil
      lsp-lens-enable nil
      lsp-enable-symbol-highlighting nil
      lsp-signature-auto-activate nil
      lsp-restart 'ignore)
(require 'lsp-mode)
;; Only the two servers of this test (lsp-mode ships clients for many others).
(setq lsp-client-packages nil)

(pyprotocol-lsp-setup)
(lsp-register-client
 (make-lsp-client
  :new-connection (lsp-stdio-connection
                   (lambda () (append (json-read-from-string (getenv "PYPROTOCOL_MAIN")) nil)))
  :major-modes '(python-mode)
  :server-id 'main-python
  :priority 10))

(defun drive-diagnostics ()
  "The LSP diagnostics of the current file, from every server."
  (gethash (lsp--fix-path-casing (buffer-file-name)) (lsp-diagnostics t)))

(defun drive-codes ()
  (mapcar (lambda (d) (lsp:diagnostic-code? d)) (drive-diagnostics)))

(drive-run
 (drive-record 'emacs emacs-version)
 (let ((file (getenv "PYPROTOCOL_FILE")))
   (lsp-workspace-folders-add (file-name-directory file))
   (find-file file))
 (lsp)
 (drive-wait "two servers" (lambda () (= 2 (length (lsp-workspaces)))))
 (drive-record 'servers (mapcar (lambda (w) (symbol-name (lsp--workspace-server-id w)))
                                (lsp-workspaces)))
 (drive-step "connected")

 (drive-wait "diagnostics from both servers"
             (lambda () (let ((codes (drive-codes)))
                          (and (member "PP105" codes) (member "F401" codes)))))
 (drive-record 'codes-before (drive-codes))
 (let ((pp105 (cl-find "PP105" (drive-diagnostics) :key #'lsp:diagnostic-code? :test #'equal)))
   (drive-record 'source (lsp:diagnostic-source? pp105))
   (drive-record 'severity (lsp:diagnostic-severity? pp105))
   (drive-record 'href (lsp-get (lsp-get pp105 :codeDescription) :href))
   (goto-char (point-min))
   (forward-line (lsp:position-line (lsp:range-start (lsp:diagnostic-range pp105))))
   (forward-char (lsp:position-character (lsp:range-start (lsp:diagnostic-range pp105)))))
 (drive-step "diagnostics")

 (let* ((actions (lsp-code-actions-at-point))
        (titles (mapcar #'lsp:code-action-title actions))
        (wanted (cl-find-if (lambda (a) (string-prefix-p "Rewrite with the" (lsp:code-action-title a)))
                            actions)))
   (drive-record 'actions titles)
   (unless wanted (error "No rewrite action among %S" titles))
   (lsp-execute-code-action wanted))
 (drive-record 'text (drive-buffer-text))
 (drive-step "fix applied")

 (drive-wait "PP105 to go away" (lambda () (not (member "PP105" (drive-codes)))))
 (drive-record 'codes-after (drive-codes))
 (drive-step "diagnostic gone")
 (mapc #'lsp-workspace-shutdown (copy-sequence (lsp-workspaces)))
 (drive-step "shut down"))
