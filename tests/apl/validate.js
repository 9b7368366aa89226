// Validate APL documents with Amazon's apl-suggester: reads a JSON array of
// {"document": ..., "datasources": ...} from stdin, writes a JSON array holding each one's
// findings ({path, errorMessage, level}); an empty list means nothing was found.
// One validator, one document at a time: the validator is not safe to run concurrently.
const { StaticAplTemplateValidator } = require("apl-suggester");

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const turns = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const validator = new StaticAplTemplateValidator();
  const results = [];
  for (const turn of turns) {
    const findings = await validator.validate(turn.document);
    if (turn.datasources) {
      findings.push(...(await validator.validateDataSources(turn.datasources)));
    }
    results.push(findings);
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
