# The check-all target of tests/unit and tests/tools: `make check` once
# with each of gcc and clang that is installed (at least one must be).
# Include it after HERE (the including Makefile's directory) is set.

.PHONY: check-all

check-all:
	@set -e; ran=0; for c in gcc clang; do \
		if command -v $$c >/dev/null 2>&1; then \
			echo "== $$c"; ran=1; \
			$(MAKE) --no-print-directory -f $(HERE)/Makefile check CC=$$c; \
		fi; \
	done; test $$ran = 1
