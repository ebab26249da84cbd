## The patient portal (served by the relay)

portal-signed-in-as = Signed in as { $name }
portal-sign-out = Sign out
portal-nav-label = Portal
portal-nav-home = Home
portal-nav-appointments = Appointments
portal-nav-book = Book
portal-nav-messages = Messages
portal-nav-forms = Forms
portal-nav-safety-plan = Safety plan
portal-nav-support = Help
portal-emergency = In an emergency, call your local emergency number or 988. Messages here are not read around the clock.

portal-home-title = Welcome, { $name }
portal-home-next = Next appointment: { $when }
portal-home-no-next = No appointment booked yet
portal-home-unread = New replies: { $count }
portal-home-forms = Forms to fill in: { $count }
portal-home-safety-plan = Your safety plan

portal-appointments-title = Appointments
portal-appointments-upcoming = Upcoming
portal-appointments-past = Past
portal-appointments-none = No upcoming appointments.
portal-appointments-none-past = No past appointments yet.
portal-status-requested = Requested — waiting for your therapist
portal-status-confirmed = Confirmed
portal-status-declined = Declined
portal-status-cancelled = Cancelled
portal-cancel = Cancel
portal-cancel-label = Cancel the appointment on { $when }
portal-cancel-policy = Appointments can be cancelled here up to { $hours } hours before they start.
portal-cancelled = The appointment was cancelled.

portal-book-title = Book an appointment
portal-book-help = Choose a time (times are in { $zone }). Your therapist confirms the request.
portal-book-none = There are no open times right now. Please send your therapist a message.
portal-book-note = Anything your therapist should know about this booking (optional)
portal-book-submit = Request this time
portal-booked = Your request was sent. You will see it confirmed under Appointments.

portal-messages-title = Messages with { $therapist }
portal-messages-help = Messages are end-to-end encrypted to your therapist's devices.
portal-messages-none = No messages yet.
portal-messages-you = You
portal-messages-new = New message
portal-messages-send = Send
portal-message-sent = Your message was sent.

portal-forms-title = Forms
portal-forms-open = To fill in
portal-forms-done = Submitted
portal-forms-none = Nothing to fill in right now.
portal-forms-assigned = Assigned { $when }
portal-forms-submitted = Submitted { $when }
portal-form-intake = Intake form
portal-form-consent = Consent to treatment
portal-form-phq9 = PHQ-9 questionnaire
portal-form-gad7 = GAD-7 questionnaire
portal-sign-legend = Signature
portal-sign-help = Typing your full name below signs this form electronically.
portal-sign-name = Your full name
portal-sign-agree = I have read this form and what I entered is true.
portal-sign-submit = Sign and send
portal-form-sent = Thank you. Your therapist will see it in your chart.

portal-assessment-help = Over the last 2 weeks, how often have you been bothered by any of the following problems?
portal-assessment-comment = Anything else you want your therapist to know? (optional)
portal-assessment-submit = Send answers

portal-safety-title = Your safety plan
portal-safety-crisis = If you are in crisis now
portal-safety-none = Your therapist has not shared a safety plan with you.
portal-safety-shared = Shared { $when }

support-title = Help
support-help = Ask the practice about the portal, your account or billing. For anything about your care, send your therapist a message.
support-subject = Subject
support-body = How can we help?
support-send = Send
support-mine = Your requests
support-open = Open
support-closed = Answered
support-sent = Your request was sent to the practice.

portal-back = Back
portal-error-not-found = That page does not exist or is not yours.
portal-error-not-linked = Your portal access is not active. Please contact the practice.
portal-error-slot = That time is no longer available. Please choose another.
portal-error-too-late = This appointment is too close to cancel online. Please call the practice.
portal-error-form = Some answers are missing or not valid. Please check the form.
portal-error-answer-all = Please answer every question.
portal-your-therapist = your therapist
