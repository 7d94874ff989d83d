"""Where messages come from: a drop folder, IMAP mailboxes, operator HTTP APIs."""
