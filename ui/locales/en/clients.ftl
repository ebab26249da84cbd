## Clients, the chart, plans, safety plan and the crisis page
