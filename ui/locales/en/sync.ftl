## Settings → Sync: enrolling this device, adding another, the practice's devices

sync-title = Sync
sync-help = Sync keeps your records on all your devices, end-to-end encrypted: the practice's relay passes them on but cannot read them. To start, paste the invite from your practice's administrator, or a pairing code made on one of your other devices.
sync-invite-label = Paste the invite or pairing code
sync-device-name-label = This device's name
sync-device-name-placeholder = e.g. Office laptop
sync-enroll = Enroll this device
sync-enrolling = Enrolling…
sync-practice = Syncing with { $practice } ({ $relay })
sync-this-device = This device: { $name } ({ $member })
sync-add-device = Add another device
sync-add-device-help = Make a pairing code here and paste it on the new device, in Settings → Sync.
sync-add-device-button = Add another device
sync-pairing-paste = Paste this code on the new device within 15 minutes. It works once.
sync-pairing-expires = Valid until { $time }
sync-copy = Copy
sync-devices = Devices
sync-devices-none = No devices known yet.
sync-device-name = Name
sync-device-member = Member
sync-device-state = State
sync-device-this = This device
sync-device-active = Active
sync-device-revoked = Removed

## Sync errors, by stable code
error-sync-invite-invalid = That is not a valid invite or pairing code, or it has expired or been used. Ask for a new one.
error-sync-already-enrolled = This device is already enrolled.
error-sync-not-enrolled = This device is not enrolled yet.
error-sync-device-revoked = This device was removed from the practice.
error-sync-forbidden = The relay does not allow this device to do that.
error-relay-unreachable = The relay cannot be reached. Check the network and try again.
error-relay-pin-mismatch = The relay's certificate does not match the one in the code. Do not go on; ask your administrator.
error-relay-refused = The relay refused the request.
error-relay-protocol = The relay answered in a way Bloom does not understand. Update Bloom or ask your administrator.
error-relay-config = The relay address in the code is not valid.
