# run-demo-events.sh - sourced by run-demo.sh: the networks' calendar and
# opportunities as data, a meeting notice with its invite and reminders made
# from an event, and the weekly digest that members who chose one receive.
# Dates are set from today, so the demo always describes the weeks ahead.
d() { date -d "+$1 days" +%F; }
step "Events and opportunities, one at a time or from CSV" \
	"event add q2-meeting --list metro-north --kind meeting --starts ..."
$o list set metro-north --timezone America/New_York \
	--organizer "Dana Reyes, Network Coordinator <coordinator@metronorth.example>"
$o event add q2-meeting --list metro-north --kind meeting \
	--title "Metro North quarterly network meeting" --starts "$(d 21) 16:00" \
	--ends "$(d 21) 17:30" --location "Salem State University, Ellison Campus Center" \
	--url https://metronorth.example/meetings
cat > var/demo/events.csv <<CSV
slug,list,kind,title,starts,ends,location,url
stem-forum,metro-north,forum,Annual Metro North STEM Forum,$(d 45) 08:30,$(d 45) 15:00,Boston Convention Center,https://metronorth.example/forum
robotics-pd,metro-north,workshop,Robotics for middle-school teachers,$(d 12) 15:30,$(d 12) 17:30,Lowell High School,
CSV
$o event import var/demo/events.csv
cat > var/demo/opportunities.csv <<CSV
slug,list,kind,title,org,deadline,url
acme-lab,metro-north,internship,Summer lab internship (grades 11-12),Acme Robotics,$(d 3),https://acme.example/jobs/summer
city-camp,metro-north,summer-job,STEM camp counselor,City of Salem,$(d 30),
north-shore-wbl,metro-north,program,Work-based learning placements,North Shore Workforce Board,,https://northshorewb.example/wbl
CSV
$o opportunity import var/demo/opportunities.csv
$o event ls --upcoming
$o opportunity ls --open
step "The meeting notice, with its invite, and reminders a week and a day before" \
	"notice q2-meeting --remind 7d,1d"
$o notice q2-meeting --remind 7d,1d
$o run --once 2>/dev/null
step "The weekly digest (cron runs this on Mondays; a second run the same week does nothing)" \
	"digest --list metro-north --period weekly"
$o digest --list metro-north --period weekly
$o digest --list metro-north --period weekly
$o run --once 2>/dev/null
msg=$(grep -l '^Subject: .*weekly digest' var/demo/outbox/new/* | head -1)
printf '\nThe digest goes to the %s members who chose a weekly digest; one of them gets:\n\n' \
	"$(grep -l '^Subject: .*weekly digest' var/demo/outbox/new/* | wc -l)"
python3 - "$msg" <<'PY'
import email, sys
m = email.message_from_file(open(sys.argv[1]))
print("Subject:", m["Subject"])
for p in m.walk():
    if p.get_content_type() == "text/plain":
        print(p.get_payload(decode=True).decode())
        break
PY
