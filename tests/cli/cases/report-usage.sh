# Usage errors of the report formats: exit 2 before any file is read.
"$LT_MKRESULTS" run.res
loadtape report run.res --format csv
echo "exit $?"
loadtape report run.res --format csv -o -
echo "exit $?"
loadtape report run.res --format html --intervals
echo "exit $?"
loadtape report run.res --format xml
echo "exit $?"
loadtape report missing.res --format html -o x.html
echo "exit $?"
loadtape report - --format csv -o x <run.res
echo "exit $?"
