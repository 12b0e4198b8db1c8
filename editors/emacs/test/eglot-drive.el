;;; eglot-drive.el --- Eglot gets pyprotocol's diagnostics and applies a fix  -*- lexical-binding: t; -*-

(load (expand-file-name "common.el" (file-name-directory load-file-name)) nil t)
(require 'eglot)
(require 'flymake)

(pyprotocol-eglot-setup)

;; The document version of the last report, to tell a new report from an old one.
(defvar drive-reported-version -1)
(advice-add 'eglot-handle-notification :before
            (lambda (_server method &rest params)
              (when (and (eq method 'textDocument/publishDiagnostics)
                         (plist-get params :version))
                (setq drive-reported-version (plist-get params :version)))))

(defun drive-pp105 ()
  "The flymake diagnostics whose LSP code is PP105."
  (flymake-start)
  (cl-loop for diag in (flymake-diagnostics)
           for lsp = (cdr (assq 'eglot-lsp-diag (flymake-diagnostic-data diag)))
           when (equal (plist-get lsp :code) "PP105")
           collect (cons diag lsp)))

(drive-run
 (drive-record 'emacs emacs-version)
 (drive-record 'eglot (package-desc-version (cadr (assq 'eglot package-alist))))
 (find-file (getenv "PYPROTOCOL_FILE"))
 (drive-record 'mode (symbol-name major-mode))
 (apply #'eglot (eglot--guess-contact))
 (let ((server (drive-wait "the server" #'eglot-current-server)))
   (drive-record 'server (plist-get (eglot--server-info server) :name))
   (drive-record 'command (process-command (jsonrpc--process server)))
   (drive-record 'language-id (eglot--language-id server)))
 (drive-step "connected")

 (let* ((found (drive-wait "a PP105 diagnostic" #'drive-pp105))
        (diag (car (car found)))
        (lsp (cdr (car found))))
   (drive-record 'codes-before
                 (mapcar (lambda (d)
                           (plist-get (cdr (assq 'eglot-lsp-diag (flymake-diagnostic-data d)))
                                      :code))
                         (flymake-diagnostics)))
   (drive-record 'message (flymake-diagnostic-text diag))
   (drive-record 'source (plist-get lsp :source))
   (drive-record 'severity (plist-get lsp :severity))
   (drive-record 'href (plist-get (plist-get lsp :codeDescription) :href))
   (drive-record 'line (line-number-at-pos (flymake-diagnostic-beg diag)))
   (drive-step "diagnostic")

   ;; The quick fix, chosen by its title as a user would in the menu.
   (let* ((beg (flymake-diagnostic-beg diag))
          (end (flymake-diagnostic-end diag))
          (titles (mapcar (lambda (action) (plist-get action :title))
                          (eglot-code-actions beg end)))
          (wanted (cl-find-if (lambda (title) (string-prefix-p "Rewrite with the" title))
                              titles)))
     (drive-record 'actions titles)
     (unless wanted (error "No rewrite action among %S" titles))
     (goto-char beg)
     (let ((last-nonmenu-event 'keyboard))
       (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) wanted)))
         (eglot-code-actions beg end nil t)))))
 (drive-record 'text (drive-buffer-text))
 (drive-step "fix applied")

 ;; Eglot sends the change on an idle timer, which batch mode never runs.
 (eglot--signal-textDocument/didChange)
 (let ((version eglot--versioned-identifier))
   (drive-record 'version-after-fix version)
   (drive-wait "a report for the fixed text" (lambda () (>= drive-reported-version version))))
 (drive-record 'pp105-after (length (drive-pp105)))
 (drive-step "diagnostic gone")
 (eglot-shutdown (eglot-current-server))
 (drive-step "shut down"))
