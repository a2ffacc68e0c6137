/**
 * Child process that generates one data set (bench/dataSet.ts spawns it with a large heap):
 * argv[2] is the DataSetOptions as JSON. Progress goes to stderr; the data set's complete.json
 * is the answer.
 */
import { generateDataSet, type DataSetOptions } from './dataSet.ts';

const options = JSON.parse(process.argv[2] ?? '') as DataSetOptions;
const dataSet = await generateDataSet(options);
process.stdout.write(`${JSON.stringify(dataSet)}\n`);
