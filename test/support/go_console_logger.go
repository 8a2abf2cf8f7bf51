// Writes a few events with zap's development logger (its console encoder, on stderr) and zerolog's ConsoleWriter
// without colours (on stdout), as a Go service does when nobody configured JSON. Built by test/go-logging.test.ts.
package main

import (
	"errors"
	"os"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/zap"
)

func main() {
	logger, _ := zap.NewDevelopment()
	jobs := logger.Named("jobs")
	logger.Info("server started", zap.Int("port", 8080))                                               // zap:info
	jobs.Warn("job slow", zap.String("job_id", "job-41"), zap.Duration("took", 3200*time.Millisecond)) // zap:warn
	jobs.Error("job failed", zap.String("job_id", "job-42"), zap.Error(errors.New("ffmpeg exited 1"))) // zap:error
	_ = logger.Sync()
	console := zerolog.New(zerolog.ConsoleWriter{Out: os.Stdout, NoColor: true, TimeFormat: time.RFC3339}).With().Timestamp().Logger()
	console.Info().Int("port", 8080).Msg("server started")
	console.Error().Err(errors.New("ffmpeg exited 1")).Str("job_id", "job-42").Msg("job failed")
}
