# Bloom — English messages. Ids are kebab-case, grouped by screen.

app-name = Bloom
app-tagline = Practice software therapists can trust

## Navigation
nav-label = Main navigation
nav-today = Today
nav-clients = Clients
nav-calendar = Calendar
nav-notes = Notes
nav-settings = Settings

## Empty states of the sections (the skeleton has no records yet)
today-title = Today
today-empty = Nothing scheduled. Your day will show here once you add appointments.
clients-title = Clients
clients-empty = No clients yet.
calendar-title = Calendar
calendar-empty = No appointments yet.
notes-title = Notes
notes-empty = No session notes yet.
settings-title = Settings
settings-relay = Relay connection
settings-relay-help = Bloom works fully offline. When a relay is configured, your records sync to it end-to-end encrypted.

## Relay connection status (status bar)
relay-label = Relay
relay-not-configured = Not configured — working offline
relay-connecting = Connecting to { $relay }…
relay-connected = Connected to { $practice } ({ $relay })
relay-offline = Not connected ({ $reason }) — working offline, retrying
relay-reason-relay-unreachable = relay unreachable
relay-reason-relay-pin-mismatch = certificate does not match the pinned one
relay-reason-relay-protocol = protocol error
relay-reason-relay-refused = refused by the relay
relay-reason-other = error { $code }
relay-syncing = Syncing with { $practice } — { $pending } changes to send
relay-error = Sync stopped: { $reason } — your changes are kept on this device
relay-reason-revoked = this device was removed from the practice
relay-reason-not-enrolled = this device is not enrolled yet
relay-reason-quota = the relay's storage quota for this device is full

## The relay's home page
relay-home-title = Bloom relay — { $practice }
relay-home-heading = { $practice }
relay-home-intro = This is the Bloom relay of this practice. Clinical records pass through it only as end-to-end encrypted data it cannot read.
relay-home-status = Status
relay-home-running = Running
relay-home-version = Relay version
relay-home-sync-address = Sync address (QUIC)
relay-home-fingerprint = Certificate fingerprint
relay-home-fingerprint-help = Compare this fingerprint with the one in your device's enrollment invite.

## Vault: passphrase strength
strength-empty = Type a passphrase
strength-weak = Weak
strength-fair = Not strong enough yet
strength-good = Strong enough
strength-rule = At least 12 characters and hard to guess: a few unrelated words work well.

## Vault: onboarding
onboarding-title = Welcome to Bloom
onboarding-intro = Your records stay on this computer, encrypted. Choose a passphrase only you know; Bloom cannot recover it for you.
onboarding-name = Your name
onboarding-passphrase = Passphrase
onboarding-confirm = Passphrase again
onboarding-mismatch = The two passphrases differ.
onboarding-create = Create my vault
onboarding-creating = Creating…
onboarding-restore-instead = Restore from a backup instead
recovery-title = Your recovery key
recovery-intro = This key opens your backups if you ever lose your passphrase or this computer. It is shown only now.
recovery-warning = Write it down or print it, and keep it somewhere safe and offline.
recovery-confirm-label = To confirm you kept it, type its last { $count } characters
recovery-done = I have kept it — continue
restore-title = Restore from a backup
restore-intro = Bring back a vault from a Bloom backup file, with its recovery key or the backup's passphrase.
restore-archive = Backup file
restore-secret = Recovery key or backup passphrase
restore-new-passphrase = New passphrase for this computer
restore-start = Restore
restore-cancel = Back

## Vault: unlock and lock
unlock-title = Bloom is locked
unlock-intro = Enter your passphrase to open your records.
unlock-passphrase = Passphrase
unlock-submit = Unlock
unlock-keychain = Unlock with this computer's keychain
nav-lock = Lock

## Vault: settings
settings-lock = Automatic lock
settings-idle-minutes = Lock after this many minutes without activity
settings-save = Save
settings-saved = Saved.
settings-backup = Backup
settings-backup-help = A backup is one encrypted file that only your recovery key opens. Keep copies off this computer.
settings-backup-path = Save the backup to
settings-backup-start = Back up now
settings-backup-done = Backup written ({ $size }).
settings-restore = Restore from a backup…
settings-restore-done = Restored. The vault it replaced is kept at { $kept }.
settings-passphrase = Passphrase
settings-passphrase-current = Current passphrase
settings-passphrase-new = New passphrase
settings-passphrase-change = Change passphrase
settings-passphrase-changed = Passphrase changed. Use the new one from now on.

## Errors, by stable code (`error-` + the code with . and _ as -)
error-vault-wrong-passphrase = Wrong passphrase. Check it and try again.
error-vault-weak-passphrase = That passphrase is too easy to guess. Use at least 12 characters — a few unrelated words work well.
error-vault-keychain = This computer's keychain has no key for Bloom. Unlock with your passphrase.
error-vault-exists = A vault already exists here.
error-vault-locked = Bloom is locked. Unlock it to continue.
error-vault-io = Bloom could not read or write its files. Check the disk has space and the folder can be written.
error-vault-corrupt = The vault's files are damaged. Restore from a backup.
error-backup-wrong-key = That recovery key or passphrase does not open this backup.
error-backup-invalid = That file is not a Bloom backup, or it is damaged.
error-input-invalid = That value is not allowed here.
error-internal = Something went wrong inside Bloom.
