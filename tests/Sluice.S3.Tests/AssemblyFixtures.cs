[assembly: AssemblyFixture(typeof(Sluice.Testing.S3Service))]
