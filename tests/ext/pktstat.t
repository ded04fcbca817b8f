# xt_pktstat extension tests, in the format of iptables' extensions/*.t:
#   rule;saved;result
# saved is what "iptables -S" must print after "-A CHAIN"; "=" or empty
# means the same as rule.  FAIL lines must be refused by the extension
# itself, with a message naming the option and the quoted bad value; the
# runner takes the last option of a FAIL rule as the bad one (for a
# repeated or inverted option it looks for the option name only).
# Run with tests/ext/run-ext-tests.sh IPTABLES_CMD [this file].
:INPUT,FORWARD,OUTPUT
#
# Defaults: period 1s, samples 60, name "0" (not saved).
-m pktstat;-m pktstat --period 1s --samples 60;OK
-m pktstat --name 0;-m pktstat --period 1s --samples 60;OK
-m pktstat --period 1s --samples 60;=;OK
#
# --period: every unit, bare numbers (ms), boundaries, normalisation to
# the largest unit that divides the value exactly.
-m pktstat --period 1us;-m pktstat --period 1us --samples 60;OK
-m pktstat --period 1000ns;-m pktstat --period 1us --samples 60;OK
-m pktstat --period 1500ns;-m pktstat --period 1500ns --samples 60;OK
-m pktstat --period 1001ns;-m pktstat --period 1001ns --samples 60;OK
-m pktstat --period 250us;-m pktstat --period 250us --samples 60;OK
-m pktstat --period 1000us;-m pktstat --period 1ms --samples 60;OK
-m pktstat --period 1ms;-m pktstat --period 1ms --samples 60;OK
-m pktstat --period 100ms;-m pktstat --period 100ms --samples 60;OK
-m pktstat --period 1500ms;-m pktstat --period 1500ms --samples 60;OK
-m pktstat --period 1;-m pktstat --period 1ms --samples 60;OK
-m pktstat --period 100;-m pktstat --period 100ms --samples 60;OK
-m pktstat --period 1000;-m pktstat --period 1s --samples 60;OK
-m pktstat --period 0100;-m pktstat --period 100ms --samples 60;OK
-m pktstat --period 1s;-m pktstat --period 1s --samples 60;OK
-m pktstat --period 60s;-m pktstat --period 60s --samples 60;OK
-m pktstat --period 3600s;-m pktstat --period 3600s --samples 60;OK
-m pktstat --period 3600000;-m pktstat --period 3600s --samples 60;OK
-m pktstat --period 3600000000us;-m pktstat --period 3600s --samples 60;OK
-m pktstat --period 3600000000000ns;-m pktstat --period 3600s --samples 60;OK
-m pktstat --period 3599999999999ns;-m pktstat --period 3599999999999ns --samples 60;OK
#
# --samples: boundaries (65536 is the default max_samples of the module).
-m pktstat --samples 1;-m pktstat --period 1s --samples 1;OK
-m pktstat --samples 20;-m pktstat --period 1s --samples 20;OK
-m pktstat --samples 65536;-m pktstat --period 1s --samples 65536;OK
-m pktstat --period 100 --samples 20;-m pktstat --period 100ms --samples 20;OK
#
# --name: allowed characters, 31 characters, order of options in the output.
-m pktstat --name web6 --period 250us --samples 4096;=;OK
-m pktstat --samples 4096 --period 250us --name web6;-m pktstat --name web6 --period 250us --samples 4096;OK
-m pktstat --name uplink --period 1ms --samples 65536;=;OK
-m pktstat --name a.b_c-d;-m pktstat --name a.b_c-d --period 1s --samples 60;OK
-m pktstat --name A-Z_a-z.0-9;-m pktstat --name A-Z_a-z.0-9 --period 1s --samples 60;OK
-m pktstat --name _;-m pktstat --name _ --period 1s --samples 60;OK
-m pktstat --name .x;-m pktstat --name .x --period 1s --samples 60;OK
-m pktstat --name ...;-m pktstat --name ... --period 1s --samples 60;OK
-m pktstat --name 00;-m pktstat --name 00 --period 1s --samples 60;OK
-m pktstat --name abcdefghijklmnopqrstuvwxyz01234;-m pktstat --name abcdefghijklmnopqrstuvwxyz01234 --period 1s --samples 60;OK
#
# --period: empty, zero, negative, non-numeric, junk, unknown unit,
# overflow, out of range, repeated, inverted.
-m pktstat --period "";;FAIL
-m pktstat --period 0;;FAIL
-m pktstat --period 0s;;FAIL
-m pktstat --period 0ns;;FAIL
-m pktstat --period -1;;FAIL
-m pktstat --period -1s;;FAIL
-m pktstat --period +1s;;FAIL
-m pktstat --period abc;;FAIL
-m pktstat --period s;;FAIL
-m pktstat --period ms100;;FAIL
-m pktstat --period 5h;;FAIL
-m pktstat --period 5m;;FAIL
-m pktstat --period 5sec;;FAIL
-m pktstat --period 5MS;;FAIL
-m pktstat --period 1.5ms;;FAIL
-m pktstat --period 1e3;;FAIL
-m pktstat --period 0x10;;FAIL
-m pktstat --period "5 ms";;FAIL
-m pktstat --period " 5ms";;FAIL
-m pktstat --period "5ms ";;FAIL
-m pktstat --period 5ms5;;FAIL
-m pktstat --period 99999999999999999999s;;FAIL
-m pktstat --period 18446744073709551616ns;;FAIL
-m pktstat --period 18446744073709551615ms;;FAIL
-m pktstat --period 18446744073709551615;;FAIL
-m pktstat --period 18446744074s;;FAIL
-m pktstat --period 999ns;;FAIL
-m pktstat --period 1ns;;FAIL
-m pktstat --period 3601s;;FAIL
-m pktstat --period 3600001;;FAIL
-m pktstat --period 3600000000001ns;;FAIL
-m pktstat --period 1s --period 2s;;FAIL
-m pktstat --period 1s --period 1s;;FAIL
-m pktstat ! --period 1s;;FAIL
#
# --samples
-m pktstat --samples "";;FAIL
-m pktstat --samples 0;;FAIL
-m pktstat --samples 00;;FAIL
-m pktstat --samples -1;;FAIL
-m pktstat --samples +1;;FAIL
-m pktstat --samples x;;FAIL
-m pktstat --samples 1k;;FAIL
-m pktstat --samples 1.5;;FAIL
-m pktstat --samples " 1";;FAIL
-m pktstat --samples 0x10;;FAIL
# 1048577 is over the ceiling of any max_samples; a value under the ceiling
# but over the module's max_samples is refused by the kernel
# (tests/guest/refusals.sh).
-m pktstat --samples 1048577;;FAIL
-m pktstat --samples 4294967297;;FAIL
-m pktstat --samples 18446744073709551617;;FAIL
-m pktstat --samples 99999999999999999999;;FAIL
-m pktstat --samples 1 --samples 2;;FAIL
#
# --name
-m pktstat --name "";;FAIL
-m pktstat --name .;;FAIL
-m pktstat --name ..;;FAIL
-m pktstat --name a/b;;FAIL
-m pktstat --name /;;FAIL
-m pktstat --name "a b";;FAIL
-m pktstat --name "a*";;FAIL
-m pktstat --name a:b;;FAIL
-m pktstat --name abcdefghijklmnopqrstuvwxyz012345;;FAIL
-m pktstat --name a --name b;;FAIL
