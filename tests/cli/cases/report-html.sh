# --format html: one self-contained page (nothing it would fetch), text from the
# results file escaped, a chart per series with a point per second, spike windows
# shaded. (tests/integration/report opens it in a browser.)
"$LT_MKRESULTS" run.res
loadtape report run.res --format html -o run.html --slo 'p99<100ms,error_rate<10%'
echo "exit $?"
echo "doctype: $(head -c 15 run.html)"
echo "raw <script>alert: $(grep -c '<script>alert' run.html)"
echo "escaped tape: $(grep -o 'evil &lt;script&gt;alert(1)&lt;/script&gt;, &quot;q&quot;.tape' run.html | head -1)"
echo "escaped target: $(grep -o 'http://127.0.0.1:9/&lt;b&gt;x&lt;/b&gt;?a=1&amp;b=2' run.html | head -1)"
echo "fetches: $(grep -Eoi '(src|href)=|<link|@import|url\(' run.html | wc -l)"
echo "scripts: $(grep -o '<script' run.html | wc -l)"
echo "svg charts: $(grep -o '<svg' run.html | wc -l)"
echo "spike windows shaded (2 in each of 5 charts): $(grep -o 'class="spike"' run.html | wc -l)"
echo "points per line: $(grep -o '<polyline class="line" stroke="[^"]*" points="[^"]*"' run.html |
    sed 's/.*points="//; s/"$//' | awk '{print NF}' | tr '\n' ' ')"
grep -o '<td class="[a-z]*">[^<]*</td>' run.html
