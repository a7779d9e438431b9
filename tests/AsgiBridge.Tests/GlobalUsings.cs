global using Xunit;
global using AsgiBridge.TestSupport;
