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
