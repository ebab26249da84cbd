## The patient portal: the Portal section, the chart's Portal tab, notices

desk-nav-portal = Portal
desk-nav-badge = { $count } new
desk-portal-title = Portal
desk-portal-intro = What your clients send through the practice's patient portal: booking requests, cancellations and messages. Forms and questionnaires land in each client's chart.
desk-portal-requests-title = Booking requests
desk-portal-requests-empty = No booking requests.
desk-portal-request-slot = asks for { $time }
desk-portal-request-cancel = cancelled { $time }
desk-portal-status-pending = Waiting for your answer
desk-portal-status-accepted = Accepted
desk-portal-status-declined = Declined
desk-portal-status-withdrawn = Withdrawn by the client
desk-portal-status-cancelled = Cancelled by the client
desk-portal-status-done = Done
desk-portal-accept = Accept
desk-portal-decline = Decline
desk-portal-accepted = Accepted: the appointment is in your calendar and the client will see it confirmed.
desk-portal-declined = Declined: the client will see the request declined.
desk-portal-inbox-title = Messages
desk-portal-inbox-empty = No messages from clients yet.
desk-portal-thread-count = { $count } in the thread
desk-portal-thread-unread = { $count } unread
desk-portal-publish-title = Publish availability
desk-portal-publish-help = Clients can request the free times within your working hours (Calendar settings). Publishing replaces what was published before.
desk-portal-publish-from = From
desk-portal-publish-days = Days
desk-portal-publish-notice = Cancel notice (hours)
desk-portal-publish-submit = Publish availability
desk-portal-published = { $count } slots published, from { $first } to { $last }.
desk-portal-published-none = No free slots in that range: nothing is open for booking.
desk-portal-outbox = { $count } updates are waiting to be sent to the relay.

## The chart's Portal tab
desk-chart-tab-portal = Portal
desk-portal-access-title = Portal access
desk-portal-no-consent = Record the client's portal consent (Consents tab) before inviting them.
desk-portal-invite-help = Invite the client to the patient portal. Bloom makes a one-time link; the email is optional (the relay can send the link to it).
desk-portal-invited = The client is invited to the portal.
desk-portal-invite-email = Email (optional)
desk-portal-invite = Invite to the portal
desk-portal-invite-again = Send a new invite link
desk-portal-invite-once = Give this link to the client. It is shown only now and works until { $date }.
desk-portal-invite-copy = Copy link
desk-portal-invite-path-only = Bloom does not know your relay's web address (set BLOOM_PORTAL_URL): put the relay's address in front of this path.
desk-portal-revoke = End portal access
desk-portal-revoked = Portal access ended.
desk-portal-messages-title = Messages
desk-portal-thread-empty = No messages yet.
desk-portal-from-client = Client
desk-portal-from-me = You
desk-portal-reply-label = Reply
desk-portal-reply-send = Send reply
desk-portal-reply-sent = Reply sent.
desk-portal-assign-title = Forms and questionnaires
desk-portal-assign-help = Ask the client to fill one in on the portal. Questionnaires land in Assessments, forms below.
desk-portal-assign = Assign { $form }
desk-portal-assigned = { $form } assigned.
desk-portal-form-intake = intake form
desk-portal-form-consent = consent form
desk-portal-form-phq9 = PHQ-9
desk-portal-form-gad7 = GAD-7
desk-portal-share-safety-plan = Share the safety plan
desk-portal-shared = Safety plan shared ({ $count } sections).
desk-portal-forms-title = Submitted forms
desk-portal-forms-empty = No forms submitted yet.
desk-portal-form-signed = Signed by { $name } on { $time }

## Notices when clients send something
desk-portal-toast = New from the portal: { $what }
desk-portal-toast-message = { $count } message
desk-portal-toast-messages = { $count } messages
desk-portal-toast-request = { $count } booking request
desk-portal-toast-requests = { $count } booking requests
desk-portal-toast-form = { $count } form
desk-portal-toast-forms = { $count } forms
desk-portal-toast-assessment = { $count } questionnaire
desk-portal-toast-assessments = { $count } questionnaires
desk-portal-toast-safety-alert = A questionnaire a client sent through the portal raised the safety alert.
desk-portal-notice-open = Open
desk-portal-notice-dismiss = Dismiss

## Portal errors, by stable code
desk-error-portal-no-consent = The client has not consented to the portal. Record their consent first.
desk-error-portal-not-invited = The client is not invited to the portal yet.
