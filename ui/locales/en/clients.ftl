## Clients, the chart, plans, safety plan and the crisis page

## Client list
client-list-title = Clients
client-search-label = Search by name
client-search-placeholder = Type a name
client-list-empty = No clients yet. Add your first client with the form.
client-list-no-match = No client matches this search.
client-list-count = { $count } shown
client-new-title = New client
client-given-name = Given name
client-family-name = Family name
client-preferred-name = Preferred name (optional)
client-preferred-help = The name the client likes to be called, if it differs.
client-new-save = Add client

## Case status
client-status-intake = Intake
client-status-active = Active
client-status-paused = Paused
client-status-closed = Closed
client-status-transferred = Transferred

## Chart
chart-preferred = Goes by { $name }
chart-status-label = Case status
chart-tabs-label = Chart sections
chart-tab-summary = Summary
chart-tab-plan = Plan
chart-tab-notes = Notes
chart-tab-assessments = Assessments
chart-tab-consents = Consents
chart-tab-safety = Safety plan
chart-panel-empty = Nothing to show here yet.
chart-profile-title = Profile
chart-diagnoses-title = Current diagnoses
chart-diagnoses-empty = No current diagnoses.
chart-status-history-title = Status history
chart-status-history-empty = No status changes recorded.

## Profile
profile-group-identity = Identity
profile-group-contact = Contact
profile-group-emergency = Emergency contact
profile-group-insurance = Insurance
profile-given-name = Given name
profile-family-name = Family name
profile-preferred-name = Preferred name
profile-date-of-birth = Date of birth
profile-pronouns = Pronouns
profile-phone = Phone
profile-email = Email
profile-address = Address
profile-emergency-name = Name
profile-emergency-relationship = Relationship
profile-emergency-phone = Phone
profile-insurance-payer = Payer
profile-insurance-member-id = Member ID
profile-insurance-group-number = Group number
profile-other = Other
profile-invalid = Please check the form:
profile-saved = Profile saved.
profile-save = Save profile

## Diagnoses (ICD-10-CM)
dx-title = Diagnoses
dx-empty = No diagnoses on the chart.
dx-added = Added { $date } by { $by }
dx-resolve = Mark resolved
dx-resolved-title = Resolved
dx-resolved-on = Resolved { $date }
dx-search-label = Add a diagnosis
dx-search-placeholder = Code or words, e.g. F41.1 or panic
dx-search-help = Type at least two characters to search ICD-10-CM chapter 5.
dx-no-results = No matching codes.
dx-results-label = Matching codes

## Consents
consent-title = Consents
consent-intro = Each consent can be granted or revoked at any time. Every change is kept in the history.
consent-kind-treatment = Treatment
consent-help-treatment = Consent to assessment and treatment.
consent-kind-telehealth = Telehealth
consent-help-telehealth = Sessions by video or phone.
consent-kind-ml-analysis = On-device analysis
consent-help-ml-analysis = Analysis, on this device only, of what the client writes.
consent-kind-supervisor-sharing = Sharing with a supervisor
consent-help-supervisor-sharing = Discussing the case with a clinical supervisor.
consent-kind-portal-use = Client portal
consent-help-portal-use = Using the client portal to share forms and messages.
consent-granted-since = Granted since { $date }
consent-revoked-since = Revoked on { $date }
consent-never = Not granted
consent-grant = Grant
consent-revoke = Revoke
consent-history-title = History
consent-history-empty = No consents recorded yet.
consent-action-granted = Granted
consent-action-revoked = Revoked

## Treatment plan
plan-title = Treatment plan
plan-empty = This plan has no problems yet. Start by describing the first one.
plan-add = Add
plan-problem-heading = Problem { $number }
plan-problem-add = Add a problem
plan-problem-description = Problem, in the client's terms
plan-goals-title = Goals
plan-goals-empty = No goals yet.
plan-goal-add = Add a goal
plan-goal-description = Goal
plan-target-date = Target date
plan-target = Target { $date }
plan-objective-add = Add an objective
plan-objective-description = Objective
plan-objective-measure = How it is measured
plan-objective-status = Objective status
plan-measure = Measured by { $measure }
plan-interventions-title = Interventions
plan-interventions-empty = No interventions yet.
plan-intervention-add = Add an intervention
plan-intervention-description = Intervention
plan-intervention-frequency = Frequency
plan-frequency = { $frequency }
plan-status-not-started = Not started
plan-status-in-progress = In progress
plan-status-met = Met
plan-status-revised = Revised
plan-status-discontinued = Discontinued
plan-reviews-title = Reviews
plan-reviews-empty = No reviews yet.
plan-review-add = Add a review
plan-review-text = Review
plan-review-meta = { $date }, { $by }

## Safety plan (Stanley–Brown)
safety-title = Safety plan
safety-intro = Written together with the client, in their own words. Seven steps, from noticing warning signs to keeping the environment safe.
safety-updated = Last updated { $date } by { $by }
safety-warning-signs = Warning signs
safety-warning-signs-help = Thoughts, images, moods, situations or behaviours that a crisis may be developing.
safety-internal-coping = Internal coping strategies
safety-internal-coping-help = Things the client can do alone to take their mind off problems.
safety-social-distraction = People and social settings that provide distraction
safety-social-distraction-help = Names, phone numbers, and places to go.
safety-people-to-ask = People to ask for help
safety-people-to-ask-help = Names and phone numbers.
safety-professionals = Professionals or agencies to contact during a crisis
safety-professionals-help = Clinicians, urgent care, and crisis lines, with phone numbers.
safety-safe-environment = Making the environment safe
safety-safe-environment-help = Steps to limit access to lethal means.
safety-reasons-for-living = Reasons for living
safety-reasons-for-living-help = What matters most to the client and is worth living for.
safety-save = Save safety plan
safety-saved = Safety plan saved.

## Crisis page
crisis-title = Crisis resources
crisis-intro = If someone is in immediate danger, call 911. These services are free, confidential and open around the clock.
crisis-outside-us = Outside the United States, contact local emergency services.

## Assessments (PHQ-9, GAD-7)
phq-name = PHQ-9
gad-name = GAD-7
assessment-instrument = Questionnaire
assessment-stem = Over the last 2 weeks, how often has the client been bothered by any of the following problems?
assessment-total-partial = { $answered } of { $items } items answered
assessment-total-complete = Total { $total } of { $max }: { $band }
assessment-submit = Save scores
phq-item9-alert = Item 9 was answered above "Not at all". Review safety with the client today, whatever the total.
score-band-minimal = Minimal
score-band-mild = Mild
score-band-moderate = Moderate
score-band-moderately-severe = Moderately severe
score-band-severe = Severe
score-chart-title = { $instrument } over time
score-chart-label = { $instrument }: latest score { $total } of { $max } ({ $band }) on { $date }; { $count } scores in total
score-chart-label-empty = { $instrument }: no scores yet
score-chart-empty = No scores yet.
score-point-title = { $date }: { $total } ({ $band })
score-table-date = Date
score-table-score = Score
score-table-band = Severity

## Session notes
note-list-title = Session notes
note-list-empty = No notes for this client yet.
note-template-label = Template
note-template-soap = SOAP
note-template-dap = DAP
note-template-birp = BIRP
note-template-free = Free text
note-new = New note
note-draft = Draft
note-signed = Signed
note-addenda-one = 1 addendum
note-addenda-many = { $count } addenda

## Psychotherapy notes
psy-title = Psychotherapy notes
psy-explanation = Psychotherapy notes are kept apart from the rest of the record. They are sealed with their own key and open with a separate psychotherapy-notes passphrase (the first one you enter here sets it). They are left out of exports unless you include them. The recovery key does not replace this passphrase: if it is forgotten, these notes cannot be opened.
psy-passphrase = Psychotherapy-notes passphrase
psy-unlock = Open psychotherapy notes
psy-lock = Close
psy-new = New note
psy-new-heading = New psychotherapy note
psy-list-empty = No psychotherapy notes yet.
psy-row = Note of { $date }
psy-save = Save note

## Journal entries and on-device analysis
journal-title = Journal entries
journal-new = Add an entry the client wrote
journal-add = Add entry
journal-empty = No journal entries yet.
journal-ml-on = On-device analysis is on for this client. Results are for you alone and never leave this computer.
journal-ml-unavailable = On-device analysis is unavailable on this computer: { $reason }
journal-ml-no-consent = The client has not consented to on-device analysis, so nothing is analysed.
risk-flag = Possible suicide risk. Please review this entry.
risk-flag-phrase = This entry uses words about suicide or self-harm. Please review it.
risk-result = Model: { $label } (suicide score { $score }, { $model })
risk-reviewed = You reviewed this as: { $label }
risk-feedback = Your label for this entry
risk-feedback-save = Save label
risk-alert-banner = A client's entry may need your attention.
risk-alert-open = Open chart
risk-alert-dismiss = Dismiss
psy-passphrase-confirm = Type the same passphrase again
psy-first-time = This sets the psychotherapy-notes passphrase. Keep it safe: the recovery key does not open these notes.
