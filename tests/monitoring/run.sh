#!/bin/bash
# The monitoring stack against the real servers: Debian's
# prometheus-node-exporter serves textfiles that "xt-pktstat collect"
# writes in the QEMU guest from pktgen traffic of a known shape, Debian's
# prometheus scrapes them with monitoring/prometheus/xt-pktstat.rules.yml
# loaded, and the dashboard's PromQL and the alerts are checked through
# Prometheus's HTTP API against what the traffic implies.
#
#   tests/monitoring/run.sh            everything (~1.5 min; root, for apt)
#   tests/monitoring/run.sh --static   only the checks without QEMU and
#                                      servers: dashboard JSON, promtool
#
# Steps (details at each function):
#   1. packages: prometheus, prometheus-node-exporter, jq, curl, installed
#      when missing, their services neither started nor enabled;
#   2. static: the dashboard's structure (jq), promtool check rules and
#      test rules, and proof that these checks can fail;
#   3. node_exporter and prometheus on 127.0.0.1, free ports, temporary
#      directories, scrape and rule evaluation every second; the rules
#      loaded twice: as shipped, and a copy with test-sized thresholds
#      (alert names prefixed "Lowered") to see those alerts fire;
#   4. the guest (tests/monitoring/guest-traffic.sh, WORKDIR
#      build/qemu-mon): each new version of the collector's textfile
#      comes over the console and goes into node_exporter's directory as
#      it arrives, held at least HOLD seconds so that every version is
#      scraped;
#   5. checks through the HTTP API: the dashboard's queries, the totals,
#      bursts, histogram, alerts; then the file is removed (metrics gone).
# Output: TAP-like lines ("ok - ...", "not ok - ..." with "#" details),
# the guest's own lines, and last "N passed, M failed".  Exit status 0
# when everything passed.  Logs and the textfile versions stay in
# build/monitoring/.
#
# Environment: KVER, and TOOL, MODULE, EXTLIB (the reader program, module
# and extension put in the image; built when the default ones are
# missing), as tests/qemu/run-guest.sh and mkinitramfs.sh; XTMON_TIMEOUT
# (guest seconds, default 900); XTMON_KEEP=1 leaves the servers running at
# the end (their URLs are printed) until Enter is pressed.
set -eu

TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
DASHBOARD=monitoring/grafana/xt-pktstat.json
RULES=monitoring/prometheus/xt-pktstat.rules.yml
RULES_TEST=monitoring/prometheus/xt-pktstat.rules.test.yml
OUT=build/monitoring
HOLD=1.5		# seconds each textfile version stays (scrape: 1 s)
RATE_INTERVAL=4s	# Grafana's $__rate_interval for a 1 s scrape interval
# the thresholds of the "Lowered" copy of the rules (see lowered_rules)
LOWERED="fifo_fill_ratio=0.8 not_reading_seconds=20 not_reading_for=0s
	metrics_gone_for=0s name_unreadable_for=0s burst_seconds_per_5m=0.1
	sustained_rate_for=0s"

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
	local d
	failed=$((failed + 1))
	echo "not ok - $1"
	shift
	for d in "$@"; do printf '%s\n' "$d" | sed 's/^/#   /'; done
}
# check DESC CMD...: ok if CMD succeeds (its output shown if not)
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# ------------------------------------------------------------ 1. packages

# install_packages PKG...: apt-get install what is missing.  A Debian
# package starts and enables its service on installation; for the time of
# the installation a policy-rc.d (when there is none) refuses the start,
# and a unit this script installed is disabled afterwards: the test runs
# its own servers on its own ports, nothing stays on 9090/9100.
install_packages() {
	local p missing="" policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root to install them)"
		return 1
	fi
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# tests/monitoring/run.sh: no service starts while it installs\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
		>"$OUT/apt.log" 2>&1 ||
		{ apt-get update -qq >>"$OUT/apt.log" 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
				>>"$OUT/apt.log" 2>&1; } || rc=$?
	[ "$made_policy" = 1 ] && rm -f "$policy"
	for p in $missing; do
		case $p in
		prometheus | prometheus-node-exporter)
			systemctl disable "$p.service" >/dev/null 2>&1 || true ;;
		esac
	done
	[ "$rc" = 0 ] || { tail -n 20 "$OUT/apt.log"; return 1; }
}

# ------------------------------------------------------------ 2. static

# (the $ in the jq programs below are jq's and Grafana's)
# shellcheck disable=SC2016
# The dashboard, as Grafana needs it to import: valid JSON, a schema
# version, the data source a variable (no UID written in), the variables,
# a unit on every panel, the heatmap of the window histogram.
dashboard_structure() {
	local f=$DASHBOARD
	check "dashboard: valid JSON" jq -e . "$f"
	check "dashboard: schemaVersion >= 36 (Grafana 9 and later)" \
		jq -e '.schemaVersion >= 36' "$f"
	check "dashboard: a data source variable of type prometheus" \
		jq -e '[.templating.list[] | select(.type == "datasource" and .query == "prometheus" and .name == "datasource")] | length == 1' "$f"
	check "dashboard: every datasource is \${datasource} (no UID written in)" \
		jq -e '[.. | objects | select(has("datasource")) | .datasource
			| select(type != "object" or .uid != "${datasource}")] | length == 0' "$f"
	check "dashboard: no uid other than \${datasource}" \
		jq -e '[.. | objects | to_entries[] | select(.key == "uid" and .value != null and .value != "${datasource}")] | length == 0' "$f"
	check "dashboard: a name variable over label values of the metrics" \
		jq -e '[.templating.list[] | select(.name == "name" and .type == "query" and (.query | test("label_values\\(xt_pktstat_[a-z_]+.*, *name\\)")))] | length == 1' "$f"
	check "dashboard: every panel has a unit" \
		jq -e '[.panels[] | select(.type != "row")
			| select((.fieldConfig.defaults.unit // .options.yAxis.unit // "") == "") | .title] | length == 0' "$f"
	check "dashboard: a heatmap of xt_pktstat_window_bits_per_second_bucket, format heatmap, over \$__rate_interval" \
		jq -e '[.panels[] | select(.type == "heatmap") | .targets[]
			| select(.format == "heatmap" and (.expr | test("xt_pktstat_window_bits_per_second_bucket")) and (.expr | test("\\$__rate_interval")))] | length >= 1' "$f"
	check "dashboard: panel ids unique" \
		jq -e '[.panels[].id] | length == (unique | length)' "$f"
	check "dashboard: every query filters on \$name or \$instance" \
		jq -e '[.. | objects | select(has("expr")) | .expr | select(test("\\$(name|instance)") | not)] | length == 0' "$f"
	local t
	for t in "bits/s:bps" "packets/s:pps" "Bursts per minute:bursts/min" "Time in bursts:percentunit" \
		"FIFO fill:percentunit" "Dropped by a full FIFO:windows/s" "Since the last read:s"; do
		check "dashboard: a panel \"${t%%:*}\" in ${t##*:}" \
			jq -e --arg t "${t%%:*}" --arg u "${t##*:}" \
			'[.panels[] | select((.title | contains($t)) and ((.fieldConfig.defaults.unit // "") | endswith($u)))] | length >= 1' "$f"
	done
}

promtool_checks() {
	check "promtool check rules $RULES" promtool check rules "$RULES"
	check "promtool test rules $RULES_TEST" promtool test rules "$RULES_TEST"
	# The unit tests can fail: a rule with a changed threshold must fail them.
	local tmp
	tmp=$(mktemp -d)
	cp "$RULES_TEST" "$tmp/"
	sed 's/> 30  # THRESHOLD burst_seconds_per_5m/> 50  # THRESHOLD burst_seconds_per_5m/' "$RULES" > "$tmp/$(basename "$RULES")"
	if cmp -s "$RULES" "$tmp/$(basename "$RULES")"; then
		not_ok "promtool test rules fails on a changed threshold" "the sed found nothing to change"
	elif promtool test rules "$tmp/$(basename "$RULES_TEST")" >/dev/null 2>&1; then
		not_ok "promtool test rules fails on a changed threshold" "it passed with burst_seconds_per_5m 50"
	else
		ok "promtool test rules fails on a changed threshold (burst_seconds_per_5m 30 -> 50)"
	fi
	rm -rf "$tmp"
}

# lowered_rules OUT: the shipped rules with the LOWERED thresholds, group
# and alert names prefixed; fails unless every key is found once.
lowered_rules() {
	local out=$1 kv key val n
	sed -e 's/^  - name: xt-pktstat$/  - name: xt-pktstat-lowered/' \
		-e 's/alert: XtPktstat/alert: LoweredXtPktstat/' "$RULES" > "$out"
	for kv in $LOWERED; do
		key=${kv%%=*} val=${kv#*=}
		n=$(grep -c "  # THRESHOLD $key\$" "$RULES" || true)
		[ "$n" = 1 ] || { echo "THRESHOLD $key: $n lines in $RULES"; return 1; }
		sed -i -E "s/[0-9][0-9.]*[smhd]?(  # THRESHOLD $key)\$/$val\\1/" "$out"
	done
	n=$(grep -c '  # THRESHOLD ' "$RULES")
	# shellcheck disable=SC2086 # (one word per threshold)
	set -- $LOWERED
	[ "$n" = $# ] || { echo "$n THRESHOLD lines in $RULES, the test knows $#"; return 1; }
	promtool check rules "$out"
}

# ------------------------------------------------------------ 3. servers

# free_port: a TCP port nobody listens on (a race with other programs is
# caught by start_server's retries).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
}

# wait_http URL SECONDS
wait_http() {
	local i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

NE_PID='' PROM_PID=''
# stop_pid PID: SIGTERM, and wait for it to end
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	wait "$1" 2>/dev/null || true
}
stop_servers() {
	if [ -n "$PROM_PID" ]; then stop_pid "$PROM_PID"; fi
	if [ -n "$NE_PID" ]; then stop_pid "$NE_PID"; fi
	PROM_PID='' NE_PID=''
}

# on_free_port NAME RUN URL_PATH SECONDS LOG: a server on a free port, up
# to three tries: RUN PORT (a function that execs the server) runs in the
# background, its output in LOG, until http://127.0.0.1:PORT/URL_PATH
# answers within SECONDS.  Sets NAME_PORT and NAME_PID; prints LOG and
# returns 1 if it never did.
on_free_port() {
	local name=$1 run=$2 path=$3 secs=$4 log=$5 tries=3 port pid
	while [ "$tries" -gt 0 ]; do
		tries=$((tries - 1))
		port=$(free_port)
		"$run" "$port" >"$log" 2>&1 &
		pid=$!
		printf -v "${name}_PORT" %s "$port"
		printf -v "${name}_PID" %s "$pid"
		wait_http "http://127.0.0.1:$port/$path" "$secs" && return 0
		stop_pid "$pid"
		printf -v "${name}_PID" %s ''
	done
	cat "$log"
	return 1
}

run_node_exporter() {	# PORT
	exec prometheus-node-exporter --collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$TEXTDIR" \
		--web.listen-address="127.0.0.1:$1" --log.level=warn
}
start_node_exporter() {
	on_free_port NE run_node_exporter metrics 10 "$OUT/node-exporter.log"
}

run_prometheus() {	# PORT
	cat > "$TMP/prometheus.yml" <<-EOF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	  evaluation_interval: 1s
	rule_files:
	  - $TOP/$RULES
	  - $TMP/lowered.rules.yml
	scrape_configs:
	  - job_name: node
	    static_configs:
	      - targets: ['127.0.0.1:$NE_PORT']
	EOF
	rm -rf "$TMP/tsdb"
	exec prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
		--web.listen-address="127.0.0.1:$1" --log.level=warn
}
start_prometheus() {
	on_free_port PROM run_prometheus -/ready 30 "$OUT/prometheus.log"
}

# ------------------------------------------------------------ HTTP API

# api PATH [CURL ARGS...]: GET from Prometheus; JSON on stdout
api() {
	local path=$1
	shift
	curl -sG --max-time 20 "http://127.0.0.1:$PROM_PORT$path" "$@"
}
# q EXPR [TIME]: an instant query's JSON
q() { api /api/v1/query --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"}; }
# qv EXPR [TIME]: the value of a one-series instant query ("" if none)
qv() { q "$@" | jq -r 'if .status == "success" and (.data.result | length) == 1 then .data.result[0].value[1] else "" end'; }
# qn EXPR [TIME]: the number of series (-1 on an error)
qn() { q "$@" | jq -r 'if .status == "success" then .data.result | length else -1 end'; }
# qrange EXPR START END: a range query's JSON, step 1 s
qrange() {
	api /api/v1/query_range --data-urlencode "query=$1" --data-urlencode "start=$2" \
		--data-urlencode "end=$3" --data-urlencode "step=1"
}
# feq A B [REL]: A and B are numbers equal within REL (default 1e-9)
feq() { awk -v a="$1" -v b="$2" -v r="${3:-1e-9}" 'BEGIN {
	if (a == "" || b == "") exit 1
	d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
	exit !(d <= r * m || d < 1e-12) }'; }
# fcmp A OP B: awk's numeric comparison
fcmp() { awk -v a="$1" -v b="$3" "BEGIN { if (a == \"\") exit 1; exit !(a $2 b) }"; }

# The metric of a name, or a note that the metric is missing altogether
# (the reader program does not write it yet).
metric_missing() {
	[ "$(qn "count({__name__=\"$1\"})")" = 0 ]
}
# expect_eq DESC EXPR EXPECTED [REL]
expect_eq() {
	local desc=$1 expr=$2 want=$3 got metric
	got=$(qv "$expr" "$T_END")
	if feq "$got" "$want" "${4:-1e-9}"; then
		ok "$desc: $got"
	else
		metric=$(printf '%s' "$expr" | grep -oE 'xt_pktstat_[a-z_]+' | head -n 1)
		if [ -n "$metric" ] && metric_missing "$metric"; then
			not_ok "$desc" "metric $metric missing: not in the collector's textfile"
		else
			not_ok "$desc" "query: $expr" "expected ${want}, got ${got:-no single series}"
		fi
	fi
}

# ------------------------------------------------------------ 4. the guest

# The console, line by line, as run-guest.sh streams it: the guest's own
# lines to stdout and $OUT/guest.out; textfile blocks decoded into
# $QUEUE/SEQ.prom; facts into $OUT/facts.  At the guest's exit line it
# tells install_textfiles that nothing more comes ($QUEUE/.done), and goes
# on to the end of the stream quietly: run-guest.sh may leave a helper
# holding the stream open for a while after QEMU ended.
read_console() {
	local line seq="" want="" b64="" got gepoch key val
	while IFS= read -r line; do
		printf '%s\n' "$line" >> "$OUT/guest.out"
		[ -e "$QUEUE/.done" ] && continue
		case $line in
		*"@@GUEST-EXIT "*)
			printf '%s\n' "$line"
			touch "$QUEUE/.done"
			;;
		"@@XTMON-FILE "*"@@")
			read -r _ seq gepoch want <<< "${line//@@/}"
			b64=""
			;;
		"@@XTMON-END "*"@@")
			[ -n "$seq" ] || continue
			printf '%s' "$b64" | base64 -d 2>/dev/null | gunzip -c > "$QUEUE/.$seq" 2>/dev/null || true
			got=$(md5sum < "$QUEUE/.$seq" | cut -d' ' -f1)
			if [ "$got" = "$want" ]; then
				mv "$QUEUE/.$seq" "$QUEUE/$seq.prom"
				echo "$seq $gepoch $(date +%s)" >> "$OUT/versions"
			else
				echo "# host: textfile version $seq garbled on the console (md5 $got, not $want)"
				echo "$seq garbled" >> "$OUT/versions"
				rm -f "$QUEUE/.$seq"
			fi
			seq=""
			;;
		"@@XTMON-FACT "*"@@")
			read -r _ key val <<< "${line//@@/}"
			echo "$key $val" >> "$OUT/facts"
			;;
		*)
			if [ -n "$seq" ]; then
				# base64 only: a kernel message cutting in is left out
				[[ $line =~ ^[A-Za-z0-9+/=]+$ ]] && b64+=$line
			else
				printf '%s\n' "$line"
			fi
			;;
		esac
	done
	touch "$QUEUE/.done"
}

# Each version of the textfile into node_exporter's directory, in order,
# each kept at least HOLD seconds; $OUT/installed gets "SEQ HOST_EPOCH".
install_textfiles() {
	local seq=1 f=
	: > "$OUT/installed"
	while :; do
		f=$QUEUE/$seq.prom
		if [ -e "$f" ]; then
			cp "$f" "$TEXTDIR/.xt_pktstat.prom.tmp"
			mv -f "$TEXTDIR/.xt_pktstat.prom.tmp" "$TEXTDIR/xt_pktstat.prom"
			echo "$seq $(date +%s.%N)" >> "$OUT/installed"
			cp "$f" "$OUT/textfile.$seq.prom"
			seq=$((seq + 1))
			sleep "$HOLD"
		elif grep -q "^$seq garbled" "$OUT/versions" 2>/dev/null; then
			seq=$((seq + 1))
		elif [ -e "$QUEUE/.done" ]; then
			return 0
		else
			sleep 0.1
		fi
	done
}

CONSOLE_PID=''
run_guest() {
	local script cmd installer
	script=$(gzip -9c tests/monitoring/guest-traffic.sh | base64 -w0)
	cmd="echo $script | base64 -d | gunzip > /tmp/guest-traffic.sh && sh /tmp/guest-traffic.sh"
	mkdir -p build/qemu-mon
	: > "$OUT/facts"
	: > "$OUT/versions"
	: > "$OUT/guest.out"
	install_textfiles &
	installer=$!
	GUEST_RC=0
	WORKDIR=build/qemu-mon GUEST_LOG="$OUT/guest.log" \
		tests/qemu/run-guest.sh --timeout "${XTMON_TIMEOUT:-900}" "$cmd" \
		2>"$OUT/run-guest.err" > >(read_console) || GUEST_RC=$?
	CONSOLE_PID=$!
	# a guest that died without its exit line: the stream has ended
	[ "$GUEST_RC" = 0 ] || touch "$QUEUE/.done"
	wait "$installer"
	cat "$OUT/run-guest.err" >&2
}

fact() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$OUT/facts"; }
facts_sum() { awk -v k="$1" '$1 == k { s += $2 } END { print s + 0 }' "$OUT/facts"; }

# ------------------------------------------------------------ 5. checks

# Every PromQL expression of the dashboard (targets and annotations), the
# variables substituted as Grafana would for one name, parses and returns
# data over the run.
dashboard_queries() {
	local name=$1 expr e res n
	while IFS= read -r expr; do
		e=${expr//\$__rate_interval/$RATE_INTERVAL}
		e=${e//\$__interval/1s}
		e=${e//\$__range/${RANGE_S}s}
		e=${e//\$instance/$INSTANCE}
		e=${e//\$name/$name}
		res=$(qrange "$e" "$T_START" "$T_END")
		n=$(printf '%s' "$res" | jq -r 'if .status == "success" then [.data.result[] | select([.values[][1] | select(. != "NaN")] | length > 0)] | length else "error: " + .error end')
		if [ "$n" = "0" ]; then
			local m
			m=$(printf '%s' "$e" | grep -oE 'xt_pktstat_[a-z_]+' | head -n 1)
			if [ -n "$m" ] && metric_missing "$m"; then
				not_ok "dashboard query returns data ($name): $expr" "metric $m missing: not in the collector's textfile"
			else
				not_ok "dashboard query returns data ($name): $expr" "no series with a value from $T_START to $T_END: $e"
			fi
		elif [[ $n == error* ]]; then
			not_ok "dashboard query parses ($name): $expr" "$n" "$e"
		else
			ok "dashboard query ($name, $n series): $expr"
		fi
	done < <(jq -r '.. | objects | select(has("expr")) | .expr' "$DASHBOARD" |
		grep -v '^ALERTS')
}

# The annotation query (ALERTS of our alerts) answers once an alert fired.
dashboard_alert_annotation() {
	local expr e n
	expr=$(jq -r '.annotations.list[] | select(.expr != null) | .expr' "$DASHBOARD")
	e=${expr//\$instance/$INSTANCE}
	e=${e//\$name/fifo}
	n=$(qrange "$e" "$T_START" "$(date +%s)" | jq -r '.data.result | length')
	if [ "${n:-0}" -ge 1 ]; then
		ok "dashboard annotation query finds the firing alerts of fifo: $expr"
	else
		not_ok "dashboard annotation query finds the firing alerts of fifo" "$e: ${n:-error}"
	fi
}

# the variables' label_values() queries, through the label values API
dashboard_variables() {
	local got
	got=$(api /api/v1/label/instance/values --data-urlencode 'match[]=xt_pktstat_up' | jq -r '.data | join(" ")')
	check "dashboard variable instance: label_values(xt_pktstat_up, instance) = $INSTANCE" \
		test "$got" = "$INSTANCE"
	got=$(api /api/v1/label/name/values --data-urlencode "match[]=xt_pktstat_up{instance=~\"$INSTANCE\"}" | jq -r '.data | join(" ")')
	check "dashboard variable name: label_values(...) = burst fifo gone" test "$got" = "burst fifo gone"
}

# dashboard_expr TITLE [REFID]: a panel's expression, variables substituted
dashboard_expr() {
	local e
	e=$(jq -r --arg t "$1" --arg r "${2:-A}" \
		'[.panels[] | select(.title == $t) | .targets[] | select(.refId == $r) | .expr][0] // ""' "$DASHBOARD")
	e=${e//\$__rate_interval/${3:-$RATE_INTERVAL}}
	e=${e//\$__range/${RANGE_S}s}
	e=${e//\$instance/$INSTANCE}
	printf '%s' "${e//\$name/${4:-burst}}"
}

# What the traffic implies, against the raw series and the panels.
traffic_checks() {
	local sent_burst sent_fifo len bursts v w
	sent_burst=$(fact sent_burst) sent_fifo=$(fact sent_fifo) len=$(fact pkt_len)
	bursts=$(fact bursts_sent)
	local sel_b="name=\"burst\"" sel_f="name=\"fifo\""

	# every version scraped: the read time changed as often as versions came
	local versions
	versions=$(wc -l < "$OUT/installed")
	v=$(qv "changes(xt_pktstat_last_read_timestamp_seconds{$sel_b}[${RANGE_S}s])" "$T_END")
	if fcmp "$v" ">=" "$((versions - 2))"; then
		ok "Prometheus scraped every textfile version ($versions versions, $v changes of the read time)"
	else
		not_ok "Prometheus scraped every textfile version" "$versions versions installed, $v changes seen"
	fi

	# totals: pktgen's counts
	expect_eq "burst: xt_pktstat_frames_total = pktgen's $sent_burst" \
		"xt_pktstat_frames_total{$sel_b}" "$sent_burst"
	expect_eq "burst: xt_pktstat_bytes_total = $sent_burst x $len" \
		"xt_pktstat_bytes_total{$sel_b}" "$((sent_burst * len))"
	expect_eq "fifo: frames_total + dropped_frames_total = pktgen's $sent_fifo" \
		"xt_pktstat_frames_total{$sel_f} + xt_pktstat_dropped_frames_total{$sel_f}" "$sent_fifo"
	expect_eq "fifo: bytes_total + dropped_bytes_total = $sent_fifo x $len" \
		"xt_pktstat_bytes_total{$sel_f} + xt_pktstat_dropped_bytes_total{$sel_f}" "$((sent_fifo * len))"
	expect_eq "fifo: dropped_frames_total = the module's frames_dropped" \
		"xt_pktstat_dropped_frames_total{$sel_f}" "$(fact fifo_frames_dropped)"
	expect_eq "fifo: dropped_windows_total = the module's samples_dropped" \
		"xt_pktstat_dropped_windows_total{$sel_f}" "$(fact fifo_samples_dropped)"
	expect_eq "burst: nothing dropped" "xt_pktstat_dropped_windows_total{$sel_b}" 0
	expect_eq "burst: windows_total = the CSV's windows" "xt_pktstat_windows_total{$sel_b}" "$(fact burst_windows)"
	expect_eq "fifo: windows_total = the CSV's windows" "xt_pktstat_windows_total{$sel_f}" "$(fact fifo_windows)"
	v=$(qv "xt_pktstat_late_reads_total{$sel_f}" "$T_END")
	if fcmp "$v" ">=" 1; then ok "fifo: the stopped collector's late read counted: $v"
	else not_ok "fifo: the stopped collector's late read counted" "late_reads_total ${v:-missing}"; fi
	v=$(qv "max_over_time(xt_pktstat_fifo_max_fill_ratio{$sel_f}[${RANGE_S}s])" "$T_END")
	if fcmp "$v" ">=" 0.75; then ok "fifo: a read found the FIFO full: fill ratio $v"
	else not_ok "fifo: a read found the FIFO full" "max fifo_max_fill_ratio ${v:-missing}"; fi
	expect_eq "xt_pktstat_up: gone 0 at the end" "xt_pktstat_up{name=\"gone\"}" 0
	expect_eq "xt_pktstat_period_seconds: burst 0.01" "xt_pktstat_period_seconds{$sel_b}" 0.01

	# bursts: as many as sent, their time about what pktgen took
	expect_eq "burst: xt_pktstat_bursts_total = the $bursts bursts sent" \
		"xt_pktstat_bursts_total{$sel_b}" "$bursts"
	expect_eq "burst: the panel \"Bursts\" (increase over \$__range) = $bursts" \
		"round($(dashboard_expr Bursts))" "$bursts"
	# the bursts the guest found in the CSV windows (same definition):
	# as many, and exactly as long
	check "burst: the CSV's windows hold the $bursts bursts sent ($(fact csv_bursts))" \
		test "$(fact csv_bursts)" = "$bursts"
	expect_eq "burst: xt_pktstat_burst_seconds_total = the CSV's bursts ($(fact csv_burst_windows) windows of 10 ms)" \
		"xt_pktstat_burst_seconds_total{$sel_b}" "$(awk -v w="$(fact csv_burst_windows)" 'BEGIN { printf "%.17g", w * 0.01 }')" 1e-6
	# and about pktgen's time: each burst to the window, less a partial
	# window below the threshold at each end, less pktgen's slow starts
	# under TCG (a few windows of 1 to 4 packets)
	local pg_s lo_s hi_s
	pg_s=$(awk '$1 == "burst_us" { s += $2 } END { printf "%.3f", s / 1e6 }' "$OUT/facts")
	lo_s=$(awk -v p="$pg_s" -v n="$bursts" 'BEGIN { print p - n * 0.05 }')
	hi_s=$(awk -v p="$pg_s" -v n="$bursts" 'BEGIN { print p + n * 0.02 }')
	v=$(qv "xt_pktstat_burst_seconds_total{$sel_b}" "$T_END")
	if [ -n "$v" ] && fcmp "$v" ">=" "$lo_s" && fcmp "$v" "<=" "$hi_s"; then
		ok "burst: xt_pktstat_burst_seconds_total $v s, pktgen sent for $pg_s s"
	elif metric_missing xt_pktstat_burst_seconds_total; then
		not_ok "burst: xt_pktstat_burst_seconds_total about pktgen's time" "metric xt_pktstat_burst_seconds_total missing: not in the collector's textfile"
	else
		not_ok "burst: xt_pktstat_burst_seconds_total about pktgen's time" "$v s, not in [$lo_s, $hi_s] (pktgen sent for $pg_s s)"
	fi
	expect_eq "burst: the panel \"Burst time\" = burst_seconds_total" \
		"$(dashboard_expr "Burst time")" "${v:-0}" 0.05
	expect_eq "burst: xt_pktstat_burst_threshold_bits_per_second = --threshold 4Mbit" \
		"xt_pktstat_burst_threshold_bits_per_second{$sel_b}" 4000000

	# peaks: the busiest window, from the CSV
	local maxb
	maxb=$(fact burst_max_bytes)
	expect_eq "burst: the panel \"Peak window\" = the CSV's busiest window ($maxb bytes / 10 ms)" \
		"$(dashboard_expr "Peak window")" "$(awk -v b="$maxb" 'BEGIN { printf "%.17g", b * 8 / 0.01 }')" 1e-6
	expect_eq "burst: peak_frames_per_second's maximum = the busiest window / 10 ms" \
		"max_over_time(xt_pktstat_peak_frames_per_second{$sel_b}[${RANGE_S}s])" \
		"$(awk -v b="$maxb" -v l="$len" 'BEGIN { printf "%.17g", b / l / 0.01 }')" 1e-6
	v=$(qv "max_over_time(($(dashboard_expr "Rate, bits/s" B))[${RANGE_S}s:1s])" "$T_END")
	w=$(qv "$(dashboard_expr "Peak window")" "$T_END")
	if [ -n "$v" ] && fcmp "$v" ">" 0 && fcmp "$w" ">=" "$v"; then
		ok "burst: the panel \"Rate, bits/s\": average (max $v) above 0, below the peak window ($w)"
	elif metric_missing xt_pktstat_peak_bits_per_second; then
		not_ok "burst: the panel \"Rate, bits/s\": average above 0 and below the peak window" "metric xt_pktstat_peak_bits_per_second missing: not in the collector's textfile"
	else
		not_ok "burst: the panel \"Rate, bits/s\": average above 0 and below the peak window" "average max ${v:-none}, peak ${w:-none}"
	fi

	histogram_checks
}

# The window histogram: counts and sum against the samples, and the
# quantile in the bucket the traffic implies (the CSV's median window).
histogram_checks() {
	local sel_b="name=\"burst\"" sel_f="name=\"fifo\"" med les lo=0 hi="" le v x
	local H=xt_pktstat_window_bits_per_second
	if metric_missing ${H}_bucket; then
		not_ok "histogram: ${H}_bucket, _sum, _count" "metric ${H}_bucket missing: not in the collector's textfile"
		return
	fi
	expect_eq "histogram burst: _count = windows_total (every window read)" \
		"${H}_count{$sel_b}" "$(fact burst_windows)"
	expect_eq "histogram fifo: _count = windows read + dropped" \
		"${H}_count{$sel_f}" "$(( $(fact fifo_windows) + $(fact fifo_samples_dropped) ))"
	expect_eq "histogram burst: _sum = bytes x 8 / period" \
		"${H}_sum{$sel_b}" "$(awk -v b="$(fact burst_csv_bytes)" 'BEGIN { printf "%.17g", b * 8 / 0.01 }')" 1e-9
	expect_eq "histogram burst: the +Inf bucket = _count" \
		"${H}_bucket{$sel_b,le=\"+Inf\"}" "$(fact burst_windows)"
	# the bucket of the median window
	med=$(fact burst_median_bytes)
	x=$(awk -v b="$med" 'BEGIN { printf "%.17g", b * 8 / 0.01 }')
	les=$(q "${H}_bucket{$sel_b}" "$T_END" | jq -r '.data.result[].metric.le' | grep -v Inf | sort -g)
	for le in $les; do
		if fcmp "$le" ">=" "$x"; then hi=$le; break; fi
		lo=$le
	done
	diag "burst: median window $med bytes = $x bit/s: bucket ($lo, ${hi:-+Inf}]"
	# pacing: 12 packets of 1000 bytes a window, 9.6 Mbit/s (11 to 13)
	if fcmp "$med" ">=" 11000 && fcmp "$med" "<=" 13000; then
		ok "burst: the median window is the paced 12 packets ($med bytes)"
	else
		not_ok "burst: the median window is the paced 12 packets" "$med bytes"
	fi
	v=$(qv "histogram_quantile(0.5, sum by (le) (${H}_bucket{$sel_b}))" "$T_END")
	if [ -n "$hi" ] && fcmp "$v" ">" "$lo" && fcmp "$v" "<=" "$hi"; then
		ok "histogram_quantile(0.5) of the cumulative buckets in ($lo, $hi]: $v"
	else
		not_ok "histogram_quantile(0.5) of the cumulative buckets in the median's bucket" "$v not in ($lo, ${hi:-+Inf}]"
	fi
	# the dashboard's quantile panel, its rate over the whole run
	v=$(qv "$(dashboard_expr "Window rate quantiles" A "${RANGE_S}s")" "$T_END")
	if [ -n "$hi" ] && fcmp "$v" ">" "$lo" && fcmp "$v" "<=" "$hi"; then
		ok "the panel \"Window rate quantiles\" p50 over the run in ($lo, $hi]: $v"
	else
		not_ok "the panel \"Window rate quantiles\" p50 over the run in the median's bucket" "$v not in ($lo, ${hi:-+Inf}]"
	fi
	# the heatmap's rows: the median's bucket holds most windows
	v=$(qv "sum(increase(${H}_bucket{$sel_b,le=\"$hi\"}[${RANGE_S}s])) - sum(increase(${H}_bucket{$sel_b,le=\"$lo\"}[${RANGE_S}s]))" "$T_END")
	x=$(qv "sum(increase(${H}_count{$sel_b}[${RANGE_S}s]))" "$T_END")
	if [ -n "$v" ] && [ -n "$x" ] && fcmp "$v" ">" "$(awk -v x="$x" 'BEGIN { print x / 2 }')"; then
		ok "heatmap: the bucket ($lo, $hi] holds most windows of the run ($v of $x)"
	else
		not_ok "heatmap: the bucket ($lo, $hi] holds most windows of the run" "${v:-?} of ${x:-?}"
	fi
	v=$(q "${H}_bucket{$sel_b}" "$T_END" | jq -r '.data.result | length')
	if [ "$v" -ge 4 ] && [ "$v" -le 64 ]; then ok "histogram: $v buckets (a scrape's worth)"
	else not_ok "histogram: between 4 and 64 buckets" "$v"; fi
}

# alert_state ALERTNAME NAME: firing, pending or inactive (now)
alert_state() {
	api /api/v1/alerts | jq -r --arg a "$1" --arg n "$2" \
		'[.data.alerts[] | select(.labels.alertname == $a and .labels.name == $n) | .state][0] // "inactive"'
}
# expect_alert ALERTNAME NAME STATE [WHY]
expect_alert() {
	local got
	got=$(alert_state "$1" "$2")
	if [ "$got" = "$3" ]; then
		ok "alert $1 $2: $3${4:+ ($4)}"
	else
		not_ok "alert $1 $2: $3${4:+ ($4)}" "state $got"
	fi
}
# wait_alert ALERTNAME NAME STATE SECONDS
wait_alert() {
	local i=0
	while [ "$i" -lt "$4" ]; do
		[ "$(alert_state "$1" "$2")" = "$3" ] && return 0
		sleep 1
		i=$((i + 1))
	done
}

alert_checks() {
	local v bursts_v
	# a full FIFO dropped windows of fifo, not of burst
	expect_alert XtPktstatWindowsDropped fifo firing "the overflow"
	expect_alert XtPktstatWindowsDropped burst inactive "nothing dropped"
	# near full: fifo dropped (the drop alert says it), burst's FIFO roomy
	expect_alert XtPktstatFifoNearlyFull fifo inactive "drops already: the drop alert"
	expect_alert XtPktstatFifoNearlyFull burst inactive
	# bursts: 0.6 s in 5 min is under the shipped 30 s, over the lowered 0.1 s
	bursts_v=$(qv "increase(xt_pktstat_burst_seconds_total{name=\"burst\"}[5m])")
	expect_alert XtPktstatBurstTime burst inactive "${bursts_v:-?} s of bursts in 5 min <= 30 s"
	expect_alert LoweredXtPktstatBurstTime burst firing "${bursts_v:-?} s of bursts in 5 min > 0.1 s"
	# the average is far below the threshold
	v=$(qv "rate(xt_pktstat_bytes_total{name=\"burst\"}[5m]) * 8")
	expect_alert XtPktstatSustainedRate burst inactive "5-min average ${v:-?} bit/s < 4 Mbit/s"
	expect_alert LoweredXtPktstatSustainedRate burst inactive "5-min average ${v:-?} bit/s < 4 Mbit/s"
	# gone: up 0, pending for 5 minutes as shipped, fires with for 0
	expect_alert XtPktstatNameUnreadable gone pending "up 0, for 5m"
	expect_alert LoweredXtPktstatNameUnreadable gone firing "up 0, for 0s"
	expect_alert XtPktstatNameUnreadable burst inactive
	# the collector read while it ran: the lowered (20 s) never fired then
	v=$(qn "max_over_time(ALERTS{alertname=\"LoweredXtPktstatCollectorNotReading\",alertstate=\"firing\"}[$((T_COLLECTOR_END - T_START + 10))s])" "$T_COLLECTOR_END")
	check "alert LoweredXtPktstatCollectorNotReading (20 s) never fired while the collector ran" test "$v" = 0
	expect_alert XtPktstatCollectorNotReading burst inactive "read within 120 s"
	# the collector has stopped (the guest is off): its file stays, the
	# read time ages; the lowered alert fires after 20 s, not for gone
	wait_alert LoweredXtPktstatCollectorNotReading burst firing 60 || true
	expect_alert LoweredXtPktstatCollectorNotReading burst firing "no read for 20 s after the guest stopped"
	expect_alert LoweredXtPktstatCollectorNotReading fifo firing "no read for 20 s after the guest stopped"
	expect_alert LoweredXtPktstatCollectorNotReading gone inactive "up 0 is the other alert's"
	expect_alert XtPktstatMetricsGone burst inactive "the file is there"
	dashboard_alert_annotation

	# the file goes away: the metrics go stale
	rm -f "$TEXTDIR/xt_pktstat.prom"
	# The shipped and the lowered rules are two groups, evaluated each
	# second but at different offsets: wait for each, not for one.
	wait_alert LoweredXtPktstatMetricsGone burst firing 30 || true
	expect_alert LoweredXtPktstatMetricsGone burst firing "textfile removed, for 0s"
	wait_alert LoweredXtPktstatMetricsGone gone firing 10 || true
	expect_alert LoweredXtPktstatMetricsGone gone firing "textfile removed, for 0s"
	wait_alert XtPktstatMetricsGone fifo pending 10 || true
	expect_alert XtPktstatMetricsGone fifo pending "textfile removed, for 5m"
}

# ------------------------------------------------------------ main

mkdir -p "$OUT"
rm -f "$OUT"/textfile.*.prom
if ! msg=$(install_packages prometheus prometheus-node-exporter jq curl 2>&1); then
	not_ok "packages prometheus, prometheus-node-exporter, jq, curl installed" "$msg"
	summary
	exit 1
fi
ok "packages: $(dpkg-query -W -f='${Package} ${Version}, ' prometheus prometheus-node-exporter)jq, curl"
dashboard_structure
promtool_checks
if [ "${1:-}" = "--static" ]; then
	summary
	exit
fi

TMP=$(mktemp -d /tmp/xt-pktstat-monitoring.XXXXXX)
TEXTDIR=$TMP/textfile
QUEUE=$TMP/queue
mkdir -p "$TEXTDIR" "$QUEUE"
cleanup() {
	stop_servers
	if [ -n "$CONSOLE_PID" ]; then stop_pid "$CONSOLE_PID"; fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

check "the rules with test-sized thresholds (Lowered*): ${LOWERED//$'\n\t'/ }" lowered_rules "$TMP/lowered.rules.yml"
# What the guest needs: the reader program, the module and the extension,
# built when missing (TOOL, MODULE, EXTLIB name others, as for
# tests/qemu/mkinitramfs.sh).
for need in "${TOOL:-tools/xt-pktstat}:make -C tools" "${MODULE:-src/xt_pktstat.ko}:make -C src" \
	"${EXTLIB:-xtables/libxt_pktstat.so}:make extension"; do
	# shellcheck disable=SC2086 # (the command's words)
	[ -e "${need%%:*}" ] || ${need#*:} >"$OUT/build.log" 2>&1 ||
		{ not_ok "build ${need%%:*}" "$(tail -n 20 "$OUT/build.log")"; summary; exit 1; }
done

if start_node_exporter && start_prometheus; then
	ok "servers: node_exporter 127.0.0.1:$NE_PORT, prometheus 127.0.0.1:$PROM_PORT (rules loaded: $(api /api/v1/rules | jq '[.data.groups[].rules[]] | length'))"
else
	not_ok "servers: node_exporter and prometheus started"
	summary
	exit 1
fi
INSTANCE=127.0.0.1:$NE_PORT
target_up() {
	local i
	for i in $(seq 1 20); do
		[ "$(qv "up{instance=\"$INSTANCE\"}")" = 1 ] && return 0
		sleep 0.5
	done
	return 1
}
check "prometheus: the node_exporter target is up" target_up

t0=$(date +%s)
run_guest
diag "guest: status $GUEST_RC, $(( $(date +%s) - t0 )) s with the image; $(grep -c . "$OUT/installed" || true) textfile versions"
gline=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/guest.out" | tail -n 1 || true)
if [ -z "$gline" ]; then
	not_ok "guest: guest-traffic.sh ended with its summary" "see $OUT/guest.out"
else
	passed=$((passed + ${gline%% passed*}))
	gf=${gline#*passed, }
	failed=$((failed + ${gf%% failed*}))
fi
if [ ! -s "$OUT/installed" ]; then
	not_ok "guest: textfile versions came over the console" "none; see $OUT/guest.out"
	summary
	exit 1
fi
if grep -q garbled "$OUT/versions"; then
	not_ok "guest: every textfile version came over the console intact" "$(grep garbled "$OUT/versions")"
else
	ok "guest: $(wc -l < "$OUT/installed") textfile versions came over the console intact"
fi
# promtool's lint wants bytes, not bits, in a metric's name; the contract
# names these metrics in bits per second (xt_pktstat_window_bits_per_second
# ...), and Prometheus itself takes them: that one remark is accepted.
promtool_metrics() {
	local out
	out=$(promtool check metrics < "$1" 2>&1) && return 0
	out=$(printf '%s\n' "$out" | grep -v '^xt_pktstat_[a-z_]*bits[a-z_]* use base unit "bytes" instead of "bits"$' || true)
	[ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}
check "promtool check metrics: the last textfile of the guest (bits in names accepted)" \
	promtool_metrics "$OUT/textfile.$(tail -n 1 "$OUT/installed" | cut -d' ' -f1).prom"

# the run, as the queries see it: from the first version to now
sleep 3
T_START=$(head -n 1 "$OUT/installed" | cut -d' ' -f2 | cut -d. -f1)
# the collector's last file (written at its SIGTERM) went in here
T_COLLECTOR_END=$(tail -n 1 "$OUT/installed" | cut -d' ' -f2 | cut -d. -f1)
T_END=$(date +%s)
RANGE_S=$((T_END - T_START + 10))
diag "queries over $T_START..$T_END ($RANGE_S s), instance $INSTANCE, \$__rate_interval $RATE_INTERVAL"
diag "facts: $(tr '\n' ' ' < "$OUT/facts")"

dashboard_variables
dashboard_queries burst
dashboard_queries fifo
traffic_checks
alert_checks
diag "e2e took $(( $(date +%s) - t0 )) s after the static checks"

if [ "${XTMON_KEEP:-0}" = 1 ] && [ -t 0 ]; then
	echo "# prometheus http://127.0.0.1:$PROM_PORT, node_exporter http://127.0.0.1:$NE_PORT: Enter to stop"
	read -r _
fi
summary
