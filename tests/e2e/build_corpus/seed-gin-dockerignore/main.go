package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// handle方法
func Pong(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{
		"name":   "ice_moss",
		"age":    18,
		"school": "家里蹲大学",
	})
}

func main() {
	//初始化一个gin的server对象
	//Default实例化对象具有日志和返回状态功能
	r := gin.Default()
	//注册路由，并编写处理方法
	r.GET("/ping", Pong)
	//监听端口：默认端口listen and serve on 0.0.0.0:8080
	r.Run(":8083")
}
