package main

import "fmt"

func main() {
	fmt.Println("Hello from a multi-stage build to scratch")
}
