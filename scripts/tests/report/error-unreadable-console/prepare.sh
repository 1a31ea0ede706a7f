mkdir console.log
