#!/usr/bin/env bash
# make lint: cppcheck on the C sources, the clang-format check, and a check that no SQL is built
# with a printf-style format (every statement is a constant string with $n parameters).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
failures=0

note() {
	printf '\n== %s\n' "$*"
}

sources() {
	# sources DIR...: the C files under DIRs, sorted.
	find "$@" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort
}

mapfile -t c_files < <(sources core server cli)
mapfile -t fmt_files < <(sources core server cli tests/unit tests/fuzz)
mapfile -t sql_files < <(sources core server cli tests bench)

note "cppcheck (warning, portability) on core/ server/ cli/ (${#c_files[@]} files)"
if [ "${#c_files[@]}" -gt 0 ]; then
	if ! cppcheck --error-exitcode=1 --enable=warning,portability --inline-suppr --quiet \
		--std=c11 -D_GNU_SOURCE -Icore -Iserver -Icli --suppress=missingIncludeSystem \
		"${c_files[@]}"; then
		echo "cppcheck: failed"
		failures=$((failures + 1))
	else
		echo "cppcheck: ok"
	fi
fi

note "clang-format --dry-run --Werror on core/ server/ cli/ tests/unit tests/fuzz (${#fmt_files[@]} files)"
if [ "${#fmt_files[@]}" -gt 0 ]; then
	if ! clang-format --dry-run --Werror "${fmt_files[@]}"; then
		echo "clang-format: files above need 'make format'"
		failures=$((failures + 1))
	else
		echo "clang-format: ok"
	fi
fi

note "no string-built SQL: printf-family format strings with SQL in core/ server/ cli/ tests/ bench/"
# Reads each file whole (calls span lines), drops comments, and for every call of a function
# that formats into a string looks at the string literals among its arguments.
if [ "${#sql_files[@]}" -gt 0 ] && ! perl -e '
	my $bad = 0;
	my $fn = qr/\b(?:v?s?n?printf|v?asprintf|x\w*printf|xasprintf|\w*buf\w*_(?:printf|appendf|addf|catf)|\w*_printf|\w*_appendf|\w*_catf)\s*\(/;
	my $shape = qr/\bselect\b[\s\S]*\bfrom\b|\binsert\s+into\b|\bupdate\s+\S+\s+set\b|\bdelete\s+from\b/i;
	my $kw = qr/\b(?:SELECT|INSERT|UPDATE|DELETE|WHERE|VALUES)\b/;
	for my $file (@ARGV) {
		open(my $fh, "<", $file) or die "$file: $!";
		local $/;
		my $src = <$fh>;
		close $fh;
		# Blank out comments, keeping newlines so line numbers stay right.
		$src =~ s{/\*[\s\S]*?\*/}{ (my $c = $&) =~ s/[^\n]/ /g; $c }ge;
		$src =~ s{//[^\n]*}{ " " x length($&) }ge;
		while ($src =~ /$fn/g) {
			my $start = $-[0];
			my $pos = pos($src);
			my $depth = 1;
			my $args = "";
			while ($pos < length($src) && $depth > 0) {
				my $ch = substr($src, $pos, 1);
				if ($ch eq q{"}) {
					my ($lit) = substr($src, $pos) =~ /^("(?:[^"\\\n]|\\.)*")/;
					$lit //= q{"};
					$args .= $lit;
					$pos += length($lit);
					next;
				}
				$depth++ if $ch eq "(";
				$depth-- if $ch eq ")";
				$args .= $ch;
				$pos++;
			}
			my $text = join("", $args =~ /"((?:[^"\\\n]|\\.)*)"/g);
			next unless $text =~ /%/ && ($text =~ $shape || $text =~ $kw);
			my $line = 1 + (substr($src, 0, $start) =~ tr/\n//);
			my $call = substr($src, $start, $pos - $start);
			$call =~ s/\s+/ /g;
			print "$file:$line: SQL built with a format string: ", substr($call, 0, 160), "\n";
			$bad++;
		}
	}
	exit($bad ? 1 : 0);
' "${sql_files[@]}"; then
	echo "string-built SQL: use a constant statement with \$n parameters (PQexecParams)"
	failures=$((failures + 1))
else
	echo "string-built SQL: none"
fi

echo
if [ "$failures" -gt 0 ]; then
	echo "lint: $failures check(s) failed"
	exit 1
fi
echo "lint: ok"
