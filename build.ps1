<#
.SYNOPSIS
  Thin wrapper over the dotnet CLI for AsgiBridge. Every target is one plain dotnet command, shown below,
  so nothing here is needed on Linux or macOS.
.EXAMPLE
  ./build.ps1 test
  ./build.ps1 run -App echo -Urls http://127.0.0.1:8001
  ./build.ps1 bench      # BenchmarkDotNet micro-benchmarks (the load benchmark is bench/run.sh, Linux)
#>
param(
  [ValidateSet('build', 'test', 'run', 'bench')]
  [string]$Target = 'build',
  [string]$App = 'demo',
  [string]$Urls = 'http://127.0.0.1:8000',
  [string]$Configuration = 'Debug'
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

switch ($Target) {
  'build' { dotnet build Bridge.sln -c $Configuration }
  'test'  { dotnet test Bridge.sln -c $Configuration }
  'run'   { dotnet run --project src/Host -c $Configuration -- --app $App --urls $Urls }
  'bench' { dotnet run -c Release --project bench/Micro -- --filter '*' }
}
exit $LASTEXITCODE
