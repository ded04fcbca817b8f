# shellcheck shell=bash
# Tests of what a reload with new settings changes for the reader, on a
# fake proc tree: the data file's "# period_ns N samples M" lines give the
# samples after them their period (read, collect), and list shows a
# setting that waits for the old one's rules to go.  Sourced by
# run-tests.sh (its helpers: lib.sh).

R=$W/rproc
mkname "$R" web 10000 65536
setstats "$R" web waiting_rules=1 waiting_period_ns=2000000 waiting_samples=50
t_run "list: a waiting setting" 0 "" "$X" --proc-root "$R" list
t_eq "list: ... shown on a line of its own under the name" \
	"web                      10us     65536     655ms         0         0      1
                     waiting: period 2ms, 50 samples, 1 rule: in force once the rules of the setting above are gone" \
	"$(tail -n 2 "$W/run.out")"
setstats "$R" web waiting_rules=0 waiting_period_ns=0 waiting_samples=0
t_run "list: no waiting setting, no second line" 0 "" "$X" --proc-root "$R" list
t_eq "list: ... two lines in all" 2 "$(wc -l < "$W/run.out")"

S0=$(( ($(date +%s) - 100) * 1000000000 ))
reload_feed() {
	feed "$R" web "$S0 2 168" "# period_ns 20000 samples 50" "$((S0 + 20000)) 5 1500" \
		"# another comment" "$((S0 + 40000)) 1 84"
}
reload_feed
t_run "read --format csv across a reload" 0 "" "$X" --proc-root "$R" read web --format csv
t_eq "read --format csv: each sample's PeriodNs, comments skipped" "10000 20000 20000" \
	"$(awk -F, 'NR > 1 { printf "%s%s", sep, $4; sep = " " }' "$W/run.out")"
reload_feed
t_run "read (text) across a reload" 0 "" "$X" --proc-root "$R" read web
t_eq "read (text): the rates at each sample's period, the change marked" \
	"200k 134M|# period 20us from here (the settings changed)|250k 600M|50.0k 33.6M" \
	"$(awk 'NR > 2 { if ($1 == "#") { printf "%s%s", sep, $0 } else { printf "%s%s %s", sep, $5, $6 }; sep = "|" }' "$W/run.out")"
reload_feed
t_run "read --format json across a reload" 0 "" "$X" --proc-root "$R" read web --format json
if command -v python3 >/dev/null; then
	t_eq "read --format json: each sample's period_ns" "10000 20000 20000" \
		"$(python3 -c 'import json,sys; print(" ".join(str(s["period_ns"]) for s in json.load(sys.stdin)["samples"]))' < "$W/run.out" 2>&1)"
fi
printf '%s\n' "# period_ns 0 samples 5" | flock "$R/web/data" sh -c 'cat >> "$0"' "$R/web/data"
t_run "read: a setting line that does not parse: status 1, named" 1 \
	'web/data: line 1: unexpected contents: "# period_ns 0 samples 5"' "$X" --proc-root "$R" read web

D=$W/rcsv
reload_feed
collector --proc-root "$R" web --dir "$D" --rotate 2s --interval 100ms
t_true "collect across a reload: the samples read" wait_for 5 drained "$R" web
stop
t_eq "collect: status 0" 0 "$CRC"
t_eq "collect: each sample's PeriodNs in the CSV rows" "10000 20000 20000" \
	"$(cat "$D"/*.csv | awk -F, 'NR > 1 && $7 == "" && $3 != "" { printf "%s%s", sep, $4; sep = " " }')"
