module github.com/marmotedu/iam

go 1.11
