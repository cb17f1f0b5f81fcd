from busybox
Run echo a
cOpY a /b
env A=1
WorkDir /w
