FROM busybox

# c
foo bar
