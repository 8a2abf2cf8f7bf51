// Writes the same events with Go's structured loggers as services configure them for log shipping: zap's production
// logger (JSON), zerolog's default JSON with the caller, logrus's JSONFormatter and its TextFormatter without colours.
// The logger is the first argument; the lines go to stdout. Built by test/go-logging.test.ts.
package main

import (
	"errors"
	"os"
	"time"

	"github.com/rs/zerolog"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

func main() {
	failure := errors.New("ffmpeg exited 1")
	switch os.Args[1] {
	case "zap":
		config := zap.NewProductionConfig()
		config.OutputPaths = []string{"stdout"}
		logger, _ := config.Build()
		jobs := logger.Named("jobs")
		logger.Info("server started", zap.Int("port", 8080)) // json:zap-info
		jobs.Warn("job slow", zap.String("job_id", "job-41"), zap.Duration("took", 3200*time.Millisecond))
		jobs.Error("job failed", zap.String("job_id", "job-42"), zap.Error(failure)) // json:zap-error
		_ = logger.Sync()
	case "zerolog":
		logger := zerolog.New(os.Stdout).With().Timestamp().Caller().Logger()
		logger.Info().Int("port", 8080).Msg("server started")
		logger.Warn().Str("job_id", "job-41").Dur("took", 3200*time.Millisecond).Msg("job slow")
		logger.Error().Err(failure).Str("job_id", "job-42").Msg("job failed") // json:zerolog-error
	default:
		logger := logrus.New()
		logger.SetOutput(os.Stdout)
		if os.Args[1] == "logrus-json" {
			logger.SetFormatter(&logrus.JSONFormatter{})
		} else {
			logger.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
		}
		logger.WithField("port", 8080).Info("server started")
		logger.WithFields(logrus.Fields{"job_id": "job-41", "took": 3200 * time.Millisecond}).Warn("job slow")
		logger.WithError(failure).WithField("job_id", "job-42").Error("job failed")
	}
}
