sed -i 's/$/\r/' results.ktap console.log meta.env
sed -i '3s/$/\r/' results.ktap
