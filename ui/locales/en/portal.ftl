## The patient portal: the Portal section, the chart's Portal tab, notices

nav-portal = Portal
nav-badge = { $count } new
portal-title = Portal
portal-intro = What your clients send through the practice's patient portal: booking requests, cancellations and messages. Forms and questionnaires land in each client's chart.
portal-requests-title = Booking requests
portal-requests-empty = No booking requests.
portal-request-slot = asks for { $time }
portal-request-cancel = cancelled { $time }
portal-status-pending = Waiting for your answer
portal-status-accepted = Accepted
portal-status-declined = Declined
portal-status-withdrawn = Withdrawn by the client
portal-status-cancelled = Cancelled by the client
portal-status-done = Done
portal-accept = Accept
portal-decline = Decline
portal-accepted = Accepted: the appointment is in your calendar and the client will see it confirmed.
portal-declined = Declined: the client will see the request declined.
portal-inbox-title = Messages
portal-inbox-empty = No messages from clients yet.
portal-thread-count = { $count } in the thread
portal-thread-unread = { $count } unread
portal-publish-title = Publish availability
portal-publish-help = Clients can request the free times within your working hours (Calendar settings). Publishing replaces what was published before.
portal-publish-from = From
portal-publish-days = Days
portal-publish-notice = Cancel notice (hours)
portal-publish-submit = Publish availability
portal-published = { $count } slots published, from { $first } to { $last }.
portal-published-none = No free slots in that range: nothing is open for booking.
portal-outbox = { $count } updates are waiting to be sent to the relay.

## The chart's Portal tab
chart-tab-portal = Portal
portal-access-title = Portal access
portal-no-consent = Record the client's portal consent (Consents tab) before inviting them.
portal-invite-help = Invite the client to the patient portal. Bloom makes a one-time link; the email is optional (the relay can send the link to it).
portal-invited = The client is invited to the portal.
portal-invite-email = Email (optional)
portal-invite = Invite to the portal
portal-invite-again = Send a new invite link
portal-invite-once = Give this link to the client. It is shown only now and works until { $date }.
portal-invite-copy = Copy link
portal-invite-path-only = Bloom does not know your relay's web address (set BLOOM_PORTAL_URL): put the relay's address in front of this path.
portal-revoke = End portal access
portal-revoked = Portal access ended.
portal-messages-title = Messages
portal-thread-empty = No messages yet.
portal-from-client = Client
portal-from-me = You
portal-reply-label = Reply
portal-reply-send = Send reply
portal-reply-sent = Reply sent.
portal-assign-title = Forms and questionnaires
portal-assign-help = Ask the client to fill one in on the portal. Questionnaires land in Assessments, forms below.
portal-assign = Assign { $form }
portal-assigned = { $form } assigned.
portal-form-intake = intake form
portal-form-consent = consent form
portal-form-phq9 = PHQ-9
portal-form-gad7 = GAD-7
portal-share-safety-plan = Share the safety plan
portal-shared = Safety plan shared ({ $count } sections).
portal-forms-title = Submitted forms
portal-forms-empty = No forms submitted yet.
portal-form-signed = Signed by { $name } on { $time }

## Notices when clients send something
portal-toast = New from the portal: { $what }
portal-toast-message = { $count } message
portal-toast-messages = { $count } messages
portal-toast-request = { $count } booking request
portal-toast-requests = { $count } booking requests
portal-toast-form = { $count } form
portal-toast-forms = { $count } forms
portal-toast-assessment = { $count } questionnaire
portal-toast-assessments = { $count } questionnaires
portal-toast-safety-alert = A questionnaire a client sent through the portal raised the safety alert.
portal-notice-open = Open
portal-notice-dismiss = Dismiss

## Portal errors, by stable code
error-portal-no-consent = The client has not consented to the portal. Record their consent first.
error-portal-not-invited = The client is not invited to the portal yet.
