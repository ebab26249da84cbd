## Calendar, appointments, notes and search
